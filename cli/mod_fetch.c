/* scl-mod fetch-url URL: writes the body of an http(s) GET to standard output,
 * for `scl import URL` (the scl binary links no libcurl). Hidden from `scl mod
 * --help`. */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/mod.h"

enum { FETCH_MAX = 256 << 20 }; /* a schema document, not a blob */

struct sink {
    size_t total;
    int failed;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t len = size * n;
    s->total += len;
    if (s->total > FETCH_MAX || fwrite(p, 1, len, stdout) != len) {
        s->failed = 1;
        return CURL_WRITEFUNC_ERROR;
    }
    return len;
}

int mod_fetch_url(int argc, char **argv)
{
    if (argc != 2 ||
        (strncmp(argv[1], "http://", 7) != 0 && strncmp(argv[1], "https://", 8) != 0)) {
        fputs("usage: scl-mod fetch-url http(s)://URL\n", stderr);
        return CLI_USAGE;
    }
    const char *url = argv[1];
    CURL *h = curl_easy_init();
    if (!h) {
        fputs("scl: cannot start libcurl\n", stderr);
        return CLI_FAIL;
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    struct sink s = {0};
    int ok = curl_easy_setopt(h, CURLOPT_URL, url) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_USERAGENT, "scl-import") == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_WRITEDATA, &s) == CURLE_OK;
    if (!ok) {
        fputs("scl: cannot configure libcurl\n", stderr);
        curl_easy_cleanup(h);
        return CLI_FAIL;
    }
    /* the body goes out as it arrives; on a non-200 answer the caller drops what
     * it got */
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    int ret = CLI_OK;
    if (rc != CURLE_OK && !(s.failed && s.total > FETCH_MAX)) {
        fprintf(stderr, "scl: cannot fetch %s: %s\n", url,
                errbuf[0] ? errbuf : curl_easy_strerror(rc));
        ret = CLI_FAIL;
    } else if (s.total > FETCH_MAX) {
        fprintf(stderr, "scl: cannot fetch %s: larger than %d bytes\n", url, FETCH_MAX);
        ret = CLI_FAIL;
    } else if (status != 200) {
        fprintf(stderr, "scl: cannot fetch %s: the server answered HTTP %ld\n", url, status);
        ret = CLI_FAIL;
    }
    if (fflush(stdout) != 0 && ret == CLI_OK) {
        fputs("scl: cannot write the downloaded data\n", stderr);
        ret = CLI_FAIL;
    }
    curl_easy_cleanup(h);
    return ret;
}
