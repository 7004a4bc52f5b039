/* scl --version: the version of scl and of the libraries it runs with, as they report
 * themselves at run time; the scl-mod helper adds its network libraries. */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <pcre2.h>
#include <stdio.h>
#include <unistd.h>
#include <xxhash.h>
#include <yaml.h>

#include "cli/cli.h"
#include "cli/project.h"

int cli_version(void)
{
    printf("scl %s\n", PACKAGE_VERSION);
    printf("libscl %s\n", scl_version_string());
    printf("libyaml %s\n", yaml_get_version_string());
    printf("cJSON %s\n", cJSON_Version());
    char pcre[64] = "";
    if (pcre2_config(PCRE2_CONFIG_VERSION, pcre) > 0)
        printf("PCRE2 %s\n", pcre);
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    printf("OpenSSL %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
#else
    printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
#endif
    unsigned xxh = XXH_versionNumber();
    printf("xxHash %u.%u.%u\n", xxh / 10000, xxh / 100 % 100, xxh % 100);
    fflush(stdout);
    /* libcurl, libgit2 and libarchive are the helper's; a missing helper adds nothing */
    const char *helper = cli_mod_helper();
    if (access(helper, X_OK) == 0) {
        char *argv[] = {(char *)helper, "--version", NULL};
        if (cli_run_helper(argv) != 0)
            return CLI_FAIL;
    }
    return CLI_OK;
}
