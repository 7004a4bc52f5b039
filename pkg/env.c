/* The package home and its settings (spec §3.1, §3.7), and where each dependency lives (§2.5). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "pkg/io.h"
#include "pkg/pkg.h"

static const char default_settings[] = "{\"DefaultOciRegistry\":\"ghcr.io\",\"DefaultOciRepo\":\"kcl-lang\"}";

#define xstrdup pkg_strdup

static char *absolute(const char *p)
{
    if (p[0] == '/')
        return xstrdup(p);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return xstrdup(p);
    return pkg_join(cwd, p);
}

static int on_off(const char *var, int *out, struct pkg_err *err)
{
    const char *v = getenv(var);
    if (!v)
        return 0;
    if (!strcasecmp(v, "on"))
        *out = 1;
    else if (!strcasecmp(v, "off"))
        *out = 0;
    else
        return pkg_fail(err, "unknown environment variable '%s=%s'", var, v);
    return 0;
}

int pkg_env_load(struct pkg_env *e, bool create, struct pkg_err *err)
{
    memset(e, 0, sizeof *e);
    e->plain_http = -1;
    const char *kp = getenv("KCL_PKG_PATH");
    if (kp && *kp) {
        e->home = absolute(kp);
    } else {
        const char *home = getenv("HOME");
        char *base = absolute(home && *home ? home : ".");
        e->home = pkg_join(base, ".kcl/kpm");
        free(base);
    }
    char *conf = pkg_join(e->home, ".kpm/config/kpm.json");
    size_t len;
    struct pkg_err ignored;
    char *text = pkg_read_file(conf, &len, &ignored);
    if (!text && create) {
        char *dir = pkg_join(e->home, ".kpm/config");
        if (pkg_mkdirs(dir, err) != 0 ||
            pkg_write_if_changed(conf, default_settings, strlen(default_settings), err) != 0) {
            free(dir);
            free(conf);
            pkg_env_free(e);
            return -1;
        }
        free(dir);
    }
    cJSON *j = text ? cJSON_ParseWithLength(text, len) : NULL;
    const cJSON *reg = cJSON_GetObjectItemCaseSensitive(j, "DefaultOciRegistry");
    const cJSON *repo = cJSON_GetObjectItemCaseSensitive(j, "DefaultOciRepo");
    const cJSON *plain = cJSON_GetObjectItemCaseSensitive(j, "DefaultOciPlainHttp");
    e->reg = xstrdup(cJSON_IsString(reg) && *reg->valuestring ? reg->valuestring : "ghcr.io");
    e->repo = xstrdup(cJSON_IsString(repo) && *repo->valuestring ? repo->valuestring : "kcl-lang");
    if (cJSON_IsBool(plain))
        e->plain_http = cJSON_IsTrue(plain);
    cJSON_Delete(j);
    free(text);
    free(conf);
    const char *v = getenv("KPM_REG");
    if (v && *v) {
        free(e->reg);
        e->reg = xstrdup(v);
    }
    v = getenv("KPM_REPO");
    if (v && *v) {
        free(e->repo);
        e->repo = xstrdup(v);
    }
    if (on_off("OCI_REG_PLAIN_HTTP", &e->plain_http, err) != 0) {
        pkg_env_free(e);
        return -1;
    }
    if (create) {
        int dummy = 0;
        if (on_off("KPM_RELOAD_CREDS", &dummy, err) != 0 || pkg_mkdirs(e->home, err) != 0) {
            pkg_env_free(e);
            return -1;
        }
    }
    return 0;
}

void pkg_env_free(struct pkg_env *e)
{
    free(e->home);
    free(e->reg);
    free(e->repo);
    memset(e, 0, sizeof *e);
}

void pkg_dep_oci_ref(const struct pkg_env *e, const struct pkg_dep *d, char **reg, char **repo)
{
    *reg = xstrdup(d->reg ? d->reg : e->reg);
    if (d->repo) {
        *repo = xstrdup(d->repo);
        return;
    }
    /* key = "v" and { package = "p", version = "v" }: <prefix>/<name> */
    const char *name = d->spec_only && d->package ? d->package : d->key;
    *repo = pkg_join(e->repo, name);
}

char *pkg_dep_dir(const struct pkg_env *e, const struct pkg_dep *d, const struct pkg_lock *lock,
                  const char *root, bool vendor)
{
    if (d->src == PKG_SRC_LOCAL) {
        if (d->path[0] == '/')
            return xstrdup(d->path);
        return pkg_join(root, d->path);
    }
    const struct pkg_lock_entry *le = lock ? pkg_lock_get(lock, d->key) : NULL;
    const char *ref;
    char *base_name;
    size_t n;
    if (d->src == PKG_SRC_GIT) {
        const char *seg = pkg_last_segment(d->url, &n);
        if (n > 4 && !strncmp(seg + n - 4, ".git", 4))
            n -= 4;
        base_name = strndup(seg, n);
        ref = d->tag ? d->tag : d->commit ? d->commit : d->branch;
        if (!ref && le)
            ref = le->git_tag ? le->git_tag : le->commit ? le->commit : le->branch;
    } else {
        char *reg, *repo;
        pkg_dep_oci_ref(e, d, &reg, &repo);
        const char *seg = pkg_last_segment(repo, &n);
        base_name = strndup(seg, n);
        free(reg);
        free(repo);
        ref = d->plain ? d->version : d->tag;
        if (!ref && d->spec_only)
            ref = d->spec_version;
        if (!ref && le)
            ref = le->oci_tag ? le->oci_tag : le->version;
    }
    if (!base_name)
        abort();
    if (!ref || !*ref) {
        free(base_name);
        return NULL;
    }
    char *base = vendor ? pkg_join(root, "vendor") : xstrdup(e->home);
    size_t len = strlen(base) + strlen(base_name) + strlen(ref) + 3;
    char *out = malloc(len);
    if (!out)
        abort();
    snprintf(out, len, "%s/%s_%s", base, base_name, ref);
    free(base);
    free(base_name);
    return out;
}
