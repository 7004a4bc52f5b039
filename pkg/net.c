/* Process-wide set-up of the network libraries, once in the helper's main. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <git2.h>

#include "pkg/net.h"

int net_global_init(struct pkg_err *err)
{
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK)
        return pkg_fail(err, "cannot initialise libcurl: %s", curl_easy_strerror(rc));
    if (git_libgit2_init() < 0) {
        curl_global_cleanup();
        return pkg_fail(err, "cannot initialise libgit2");
    }
    return 0;
}

void net_global_cleanup(void)
{
    git_libgit2_shutdown();
    curl_global_cleanup();
}

int64_t pkg_fetch_max(void)
{
    const int64_t dflt = (int64_t)1 << 30;
    const char *v = getenv("SCL_FETCH_MAX");
    if (!v || !*v)
        return dflt;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (end == v || errno || *v == '-')
        return dflt;
    int shift = 0;
    switch (toupper((unsigned char)*end)) {
    case 'K': shift = 10; end++; break;
    case 'M': shift = 20; end++; break;
    case 'G': shift = 30; end++; break;
    default: break;
    }
    if (toupper((unsigned char)*end) == 'B')
        end++;
    if (*end || n == 0 || n > ((unsigned long long)INT64_MAX >> shift))
        return dflt;
    return (int64_t)(n << shift);
}
