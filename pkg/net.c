/* Process-wide set-up of the network libraries, once in the helper's main. */
#include "config.h"

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
