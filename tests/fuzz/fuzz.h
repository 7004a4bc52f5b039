/* libFuzzer targets of scl: each file defines LLVMFuzzerTestOneInput. Built with clang's
 * -fsanitize=fuzzer (configure --enable-fuzzing) they are fuzzers; built with replay.c they
 * run the files given on the command line once each (make check replays the regression
 * inputs of tests/fuzz/regressions/<target>/). */
#ifndef SCL_TESTS_FUZZ_H
#define SCL_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The run limits every target that evaluates sets: small enough that one input takes at most
 * a fraction of a second and some tens of MiB. */
#define FUZZ_TIME_MS 500
#define FUZZ_MEMORY  ((size_t)64 << 20)
#define FUZZ_OUTPUT  ((size_t)1 << 20)
#define FUZZ_DEPTH   200

#endif
