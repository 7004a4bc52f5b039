/* The datetime system module (spec §5.2): the local clock (ticks, date, now, today) and
 * validation of date strings against chrono-style formats, RFC 3339 and ISO 8601. */
#include "config.h"

#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "stdlib/stdlib.h"

/* {===== the clock */

static struct tm dt_local(time_t *secs, long *nanos)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        ts.tv_sec = time(NULL);
        ts.tv_nsec = 0;
    }
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    if (secs)
        *secs = ts.tv_sec;
    if (nanos)
        *nanos = ts.tv_nsec;
    return tm;
}

static const char *const dt_day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                           "Thursday", "Friday", "Saturday"};
static const char *const dt_month_names[] = {"January",   "February", "March",    "April",
                                             "May",       "June",     "July",     "August",
                                             "September", "October",  "November", "December"};

/* strftime of one conversion ("%d", "%-d" ...), assembled by dt_format from a flag and a
 * letter: a run-time format by design. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void dt_strftime1(struct sbuf *b, const char *spec, const struct tm *tm)
{
    char out[128];
    size_t n = strftime(out, sizeof out, spec, tm);
    sbuf_put(b, out, n);
}
#pragma GCC diagnostic pop

/* chrono's format: strftime's conversions plus %f, %.f, %.3f/%.6f/%.9f, %3f/%6f/%9f
 * (fractional seconds) and %:z (+hh:mm). */
static struct str *dt_format(struct vm *vm, const char *fmt, const struct tm *tm, long nanos)
{
    struct sbuf b;
    sbuf_init(&b, vm);
    for (const char *p = fmt; *p;) {
        if (*p != '%') {
            const char *q = strchr(p, '%');
            size_t n = q ? (size_t)(q - p) : strlen(p);
            sbuf_put(&b, p, n);
            p += n;
            continue;
        }
        const char *s = p + 1;
        char spec[8];
        if (*s == 'f') {
            sbuf_printf(&b, "%09ld", nanos);
            p = s + 1;
        } else if (s[0] == '.' && s[1] == 'f') {
            /* as few digits as exact (3, 6 or 9); nothing at all, not even the dot, for 0 */
            if (nanos != 0 && nanos % 1000000 == 0)
                sbuf_printf(&b, ".%03ld", nanos / 1000000);
            else if (nanos != 0 && nanos % 1000 == 0)
                sbuf_printf(&b, ".%06ld", nanos / 1000);
            else if (nanos != 0)
                sbuf_printf(&b, ".%09ld", nanos);
            p = s + 2;
        } else if ((s[0] == '.' && (s[1] == '3' || s[1] == '6' || s[1] == '9') && s[2] == 'f') ||
                   ((s[0] == '3' || s[0] == '6' || s[0] == '9') && s[1] == 'f')) {
            bool dot = s[0] == '.';
            int digits = (dot ? s[1] : s[0]) - '0';
            long v = digits == 3 ? nanos / 1000000 : digits == 6 ? nanos / 1000 : nanos;
            sbuf_printf(&b, "%s%0*ld", dot ? "." : "", digits, v);
            p = s + (dot ? 3 : 2);
        } else if (s[0] == ':' && s[1] == 'z') {
            char z[8];
            strftime(z, sizeof z, "%z", tm); /* +hhmm */
            sbuf_printf(&b, "%.3s:%.2s", z, z + 3);
            p = s + 2;
        } else if (*s == '\0') {
            sbuf_putc(&b, '%');
            p = s;
        } else if (strchr("aAbBhpP", *s)) { /* English names whatever the C locale */
            const char *name = *s == 'a' || *s == 'A' ? dt_day_names[tm->tm_wday % 7]
                               : *s == 'p'            ? (tm->tm_hour < 12 ? "AM" : "PM")
                               : *s == 'P'            ? (tm->tm_hour < 12 ? "am" : "pm")
                                                      : dt_month_names[tm->tm_mon % 12];
            size_t len = *s == 'A' || *s == 'B' ? strlen(name) : *s == 'p' || *s == 'P' ? 2 : 3;
            sbuf_put(&b, name, len);
            p = s + 1;
        } else {
            size_t k = 0;
            spec[k++] = '%';
            if (*s == '-' || *s == '_' || *s == '0' || *s == '#' || *s == '^')
                spec[k++] = *s++;
            if (*s == '\0') {
                sbuf_put(&b, p, (size_t)(s - p));
                p = s;
                continue;
            }
            spec[k++] = *s++;
            spec[k] = '\0';
            dt_strftime1(&b, spec, tm);
            p = s;
        }
    }
    return sbuf_str(&b);
}

/* ticks() -> float: seconds since the epoch. */
static struct value dt_ticks(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "ticks", 0, 0);
    time_t secs;
    dt_local(&secs, NULL);
    return v_float((double)secs);
}

/* date() -> "%Y-%m-%d %H:%M:%S" */
static struct value dt_date(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "date", 0, 0);
    struct tm tm = dt_local(NULL, NULL);
    return v_str(dt_format(vm, "%Y-%m-%d %H:%M:%S", &tm, 0));
}

/* today() -> "%Y-%m-%d %H:%M:%S.<seconds since the epoch>" (KCL's form). */
static struct value dt_today(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "today", 0, 0);
    time_t secs;
    struct tm tm = dt_local(&secs, NULL);
    struct str *d = dt_format(vm, "%Y-%m-%d %H:%M:%S", &tm, 0);
    return v_str(str_fmt(vm, "%s.%lld", d->b, (long long)secs));
}

/* now(format="%a %b %d %H:%M:%S %Y") */
static struct value dt_now(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "now", 0, 1);
    const char *fmt = "%a %b %d %H:%M:%S %Y";
    struct value v;
    if (arg_get(vm, a, 0, "format", &v) && !v_is_null(v))
        fmt = arg_str(vm, v, "argument 'format'")->b;
    long nanos;
    struct tm tm = dt_local(NULL, &nanos);
    return v_str(dt_format(vm, fmt, &tm, nanos));
}

/* {===== parsing with a format (chrono's parse_from_str rules) */

struct dt_fields {
    bool year, ydiv, ymod, month, day, ordinal, hour, hour12, ampm, minute, second, weekday;
    int64_t year_v, ydiv_v, ymod_v, month_v, day_v, ordinal_v, hour_v, hour12_v, ampm_v;
    int64_t minute_v, second_v, weekday_v; /* weekday: 0 = Sunday */
};

static const char *const dt_months[] = {"january",   "february", "march",    "april",
                                        "may",       "june",     "july",     "august",
                                        "september", "october",  "november", "december"};
static const char *const dt_days[] = {"sunday",   "monday", "tuesday", "wednesday",
                                      "thursday", "friday", "saturday"};

static const char *dt_skip_space(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

/* 1..max digits, optionally signed; NULL when there is no digit. */
static const char *dt_number(const char *s, size_t max, bool sign, int64_t *out)
{
    s = dt_skip_space(s);
    bool neg = false;
    if (sign && (*s == '-' || *s == '+')) {
        neg = *s == '-';
        s++;
        max = 18;
    }
    size_t n = 0;
    int64_t v = 0;
    while (n < max && *s >= '0' && *s <= '9') {
        v = v * 10 + (*s++ - '0');
        n++;
    }
    if (!n)
        return NULL;
    *out = neg ? -v : v;
    return s;
}

/* Whether s starts with the first n bytes of lowercase 'name', in any case. */
static bool dt_ieq(const char *s, const char *name, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i] || tolower((unsigned char)s[i]) != name[i])
            return false;
    return true;
}

/* A month or weekday name: its three-letter abbreviation or the full name, any case. */
static const char *dt_name(const char *s, const char *const *names, int count, int64_t *out)
{
    for (int i = 0; i < count; i++) {
        size_t full = strlen(names[i]);
        if (!dt_ieq(s, names[i], 3))
            continue;
        *out = i;
        return dt_ieq(s, names[i], full) ? s + full : s + 3;
    }
    return NULL;
}

static bool dt_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int dt_mdays(int64_t y, int64_t m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && dt_leap(y) ? 29 : days[m - 1];
}

/* Day of the week (0 = Sunday) of a proleptic Gregorian date. */
static int64_t dt_weekday(int64_t y, int64_t m, int64_t d)
{
    static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (m < 3)
        y -= 1;
    int64_t w = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
    return w < 0 ? w + 7 : w;
}

/* Matches 'fmt' against the start of 's'; returns the rest of 's' or NULL. */
static const char *dt_scan(const char *s, const char *fmt, struct dt_fields *f, int depth)
{
    if (depth > 4)
        return NULL;
    for (const char *p = fmt; *p; p++) {
        if (isspace((unsigned char)*p)) { /* format whitespace matches any run of it */
            s = dt_skip_space(s);
            continue;
        }
        if (*p != '%') {
            if (*s != *p)
                return NULL;
            s++;
            continue;
        }
        p++;
        if (*p == '-' || *p == '_' || *p == '0' || *p == '^' || *p == '#')
            p++; /* padding flags do not change parsing */
        int64_t v;
        const char *sub = NULL;
        switch (*p) {
        case 'Y':
            if (!(s = dt_number(s, 4, true, &v)))
                return NULL;
            f->year = true, f->year_v = v;
            break;
        case 'C':
            if (!(s = dt_number(s, 2, false, &v)))
                return NULL;
            f->ydiv = true, f->ydiv_v = v;
            break;
        case 'y':
            if (!(s = dt_number(s, 2, false, &v)))
                return NULL;
            f->ymod = true, f->ymod_v = v;
            break;
        case 'm':
            if (!(s = dt_number(s, 2, false, &v)) || v < 1 || v > 12)
                return NULL;
            f->month = true, f->month_v = v;
            break;
        case 'b':
        case 'h':
        case 'B':
            if (!(s = dt_name(s, dt_months, 12, &v)))
                return NULL;
            f->month = true, f->month_v = v + 1;
            break;
        case 'd':
        case 'e':
            if (!(s = dt_number(s, 2, false, &v)) || v < 1 || v > 31)
                return NULL;
            f->day = true, f->day_v = v;
            break;
        case 'j':
            if (!(s = dt_number(s, 3, false, &v)) || v < 1 || v > 366)
                return NULL;
            f->ordinal = true, f->ordinal_v = v;
            break;
        case 'a':
        case 'A':
            if (!(s = dt_name(s, dt_days, 7, &v)))
                return NULL;
            f->weekday = true, f->weekday_v = v;
            break;
        case 'u':
        case 'w':
            if (!(s = dt_number(s, 1, false, &v)) || v > 7 || (*p == 'w' && v > 6) ||
                (*p == 'u' && v < 1))
                return NULL;
            f->weekday = true, f->weekday_v = v % 7;
            break;
        case 'U':
        case 'W':
        case 'V':
            if (!(s = dt_number(s, 2, false, &v)) || v > 53)
                return NULL;
            break;
        case 'H':
        case 'k':
            if (!(s = dt_number(s, 2, false, &v)) || v > 23)
                return NULL;
            f->hour = true, f->hour_v = v;
            break;
        case 'I':
        case 'l':
            if (!(s = dt_number(s, 2, false, &v)) || v < 1 || v > 12)
                return NULL;
            f->hour12 = true, f->hour12_v = v % 12;
            break;
        case 'p':
        case 'P':
            if (dt_ieq(s, "am", 2))
                f->ampm_v = 0;
            else if (dt_ieq(s, "pm", 2))
                f->ampm_v = 1;
            else
                return NULL;
            f->ampm = true;
            s += 2;
            break;
        case 'M':
            if (!(s = dt_number(s, 2, false, &v)) || v > 59)
                return NULL;
            f->minute = true, f->minute_v = v;
            break;
        case 'S':
            if (!(s = dt_number(s, 2, false, &v)) || v > 60)
                return NULL;
            f->second = true, f->second_v = v;
            break;
        case 'f':
            if (!(s = dt_number(s, 9, false, &v)))
                return NULL;
            break;
        case '.':
        case '3':
        case '6':
        case '9': { /* %.f %.3f %3f ...: an optional (with '.') fraction */
            const char *q = p;
            if (*q == '.')
                q++;
            if (*q == '3' || *q == '6' || *q == '9')
                q++;
            if (*q != 'f')
                return NULL;
            if (*p == '.') {
                if (*s == '.') {
                    s++;
                    if (!(s = dt_number(s, 9, false, &v)))
                        return NULL;
                }
            } else if (!(s = dt_number(s, 9, false, &v))) {
                return NULL;
            }
            p = q;
            break;
        }
        case 'z':
        case ':':
        case '#': { /* +hhmm, +hh:mm, +hh */
            if (*p != 'z') {
                if (p[1] != 'z')
                    return NULL;
                p++;
            }
            s = dt_skip_space(s);
            if (*s == 'Z' || *s == 'z') {
                s++;
                break;
            }
            if (*s != '+' && *s != '-')
                return NULL;
            s++;
            if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
                return NULL;
            s += 2;
            if (*s == ':')
                s++;
            if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]))
                s += 2;
            break;
        }
        case 'Z':
            while (*s && !isspace((unsigned char)*s))
                s++;
            break;
        case 's':
            if (!(s = dt_number(s, 19, true, &v)))
                return NULL;
            break;
        case 'D':
        case 'x':
            sub = "%m/%d/%y";
            break;
        case 'F':
            sub = "%Y-%m-%d";
            break;
        case 'T':
        case 'X':
            sub = "%H:%M:%S";
            break;
        case 'R':
            sub = "%H:%M";
            break;
        case 'r':
            sub = "%I:%M:%S %p";
            break;
        case 'c':
            sub = "%a %b %e %H:%M:%S %Y";
            break;
        case 'v':
            sub = "%e-%b-%Y";
            break;
        case 'n':
        case 't':
            s = dt_skip_space(s);
            break;
        case '%':
            if (*s != '%')
                return NULL;
            s++;
            break;
        default: /* unknown conversion: chrono rejects the format */
            return NULL;
        }
        if (sub && !(s = dt_scan(s, sub, f, depth + 1)))
            return NULL;
    }
    return s;
}

/* chrono: NaiveDateTime, else NaiveDate, else NaiveTime parses the whole string. */
static bool dt_validate_fmt(const char *date, const char *fmt)
{
    struct dt_fields f;
    memset(&f, 0, sizeof f);
    const char *rest = dt_scan(date, fmt, &f, 0);
    if (!rest || *rest)
        return false;
    /* the time of day, when there is one */
    bool have_time = false;
    if (f.hour12 && !f.ampm)
        f.hour12 = false; /* %I without %p gives no hour */
    if (f.hour && f.hour12 && f.hour_v % 12 != f.hour12_v)
        return false;
    if (f.hour && f.ampm && (f.hour_v >= 12) != (f.ampm_v == 1))
        return false;
    if ((f.hour || f.hour12) && f.minute)
        have_time = true;
    /* the date */
    bool have_date = false;
    int64_t year = 0;
    bool have_year = f.year;
    if (f.year) {
        year = f.year_v;
        if ((f.ydiv && year / 100 != f.ydiv_v) || (f.ymod && year % 100 != f.ymod_v))
            return false;
    } else if (f.ymod) {
        year = (f.ydiv ? f.ydiv_v : (f.ymod_v >= 70 ? 19 : 20)) * 100 + f.ymod_v;
        have_year = true;
    }
    int64_t month = 0, day = 0;
    if (have_year && f.month && f.day) {
        if (f.day_v > dt_mdays(year, f.month_v))
            return false;
        month = f.month_v, day = f.day_v;
        have_date = true;
        if (f.ordinal) {
            int64_t ord = day;
            for (int64_t m = 1; m < month; m++)
                ord += dt_mdays(year, m);
            if (ord != f.ordinal_v)
                return false;
        }
    } else if (have_year && f.ordinal) {
        if (f.ordinal_v > (dt_leap(year) ? 366 : 365))
            return false;
        int64_t ord = f.ordinal_v;
        for (month = 1; ord > dt_mdays(year, month); month++)
            ord -= dt_mdays(year, month);
        day = ord;
        have_date = true;
    }
    if (have_date && f.weekday && dt_weekday(year, month, day) != f.weekday_v)
        return false;
    return have_date || have_time;
}

static struct value dt_validate(struct vm *vm, const struct callargs *a)
{
    arg_count(vm, a, "validate", 2, 2);
    struct value d, f;
    if (!arg_get(vm, a, 0, "date", &d) || !arg_get(vm, a, 1, "format", &f))
        vm_raise(vm, "validate() takes 2 positional arguments");
    struct str *ds = arg_str(vm, d, "argument 'date'");
    struct str *fs = arg_str(vm, f, "argument 'format'");
    if (strlen(ds->b) != ds->len || strlen(fs->b) != fs->len)
        return v_bool(false);
    return v_bool(dt_validate_fmt(ds->b, fs->b));
}

/* {===== RFC 3339 and ISO 8601 */

/* Exactly n digits at s. */
static bool dt_digits(const char *s, int n, int64_t *out)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* YYYY-MM-DD (or YYYYMMDD when 'basic'); returns the rest or NULL. */
static const char *dt_iso_date(const char *s, bool allow_basic)
{
    int64_t y, m, d;
    if (!dt_digits(s, 4, &y))
        return NULL;
    s += 4;
    bool ext = *s == '-';
    if (!ext && !allow_basic)
        return NULL;
    if (ext)
        s++;
    if (!dt_digits(s, 2, &m))
        return NULL;
    s += 2;
    if (ext) {
        if (*s != '-')
            return NULL;
        s++;
    }
    if (!dt_digits(s, 2, &d))
        return NULL;
    s += 2;
    if (m < 1 || m > 12 || d < 1 || d > dt_mdays(y, m))
        return NULL;
    return s;
}

/* HH:MM[:SS[.frac]] (seconds required when 'need_seconds'); returns the rest or NULL. */
static const char *dt_iso_time(const char *s, bool need_seconds)
{
    int64_t h, m, sec = 0;
    if (!dt_digits(s, 2, &h) || s[2] != ':' || !dt_digits(s + 3, 2, &m))
        return NULL;
    s += 5;
    if (*s == ':') {
        if (!dt_digits(s + 1, 2, &sec))
            return NULL;
        s += 3;
        if (*s == '.' || (*s == ',' && !need_seconds)) {
            s++;
            if (*s < '0' || *s > '9')
                return NULL;
            while (*s >= '0' && *s <= '9')
                s++;
        }
    } else if (need_seconds) {
        return NULL;
    }
    if (h > 23 || m > 59 || sec > 60)
        return NULL;
    return s;
}

/* Z or ±HH:MM (RFC 3339); ISO also allows ±HH and ±HHMM. */
static const char *dt_iso_offset(const char *s, bool rfc)
{
    if (*s == 'Z' || *s == 'z')
        return s + 1;
    if (*s != '+' && *s != '-')
        return NULL;
    int64_t h, m = 0;
    if (!dt_digits(s + 1, 2, &h))
        return NULL;
    s += 3;
    if (*s == ':') {
        if (!dt_digits(s + 1, 2, &m))
            return NULL;
        s += 3;
    } else if (rfc) {
        return NULL;
    } else if (dt_digits(s, 2, &m)) {
        s += 2;
    }
    if (h > 23 || m > 59)
        return NULL;
    return s;
}

static bool dt_rfc3339(const char *s)
{
    if (!(s = dt_iso_date(s, false)))
        return false;
    if (*s != 'T' && *s != 't' && *s != ' ')
        return false;
    if (!(s = dt_iso_time(s + 1, true)))
        return false;
    s = dt_iso_offset(s, true);
    return s && *s == '\0';
}

static bool dt_iso8601(const char *s)
{
    if (!(s = dt_iso_date(s, true)))
        return false;
    if (*s == '\0')
        return true;
    if (*s != 'T' && *s != 't')
        return false;
    if (!(s = dt_iso_time(s + 1, false)))
        return false;
    if (*s == '\0')
        return true;
    s = dt_iso_offset(s, false);
    return s && *s == '\0';
}

static struct value dt_check(struct vm *vm, const struct callargs *a, const char *fname,
                             bool (*check)(const char *))
{
    arg_count(vm, a, fname, 1, 1);
    struct value v;
    if (!arg_get(vm, a, 0, "date", &v))
        vm_raise(vm, "%s() missing 1 required positional argument: 'date'", fname);
    struct str *s = arg_str(vm, v, "argument 'date'");
    return v_bool(strlen(s->b) == s->len && check(s->b));
}

static struct value dt_is_rfc3339(struct vm *vm, const struct callargs *a)
{
    return dt_check(vm, a, "is_rfc3339", dt_rfc3339);
}

static struct value dt_is_iso8601(struct vm *vm, const struct callargs *a)
{
    return dt_check(vm, a, "is_iso8601", dt_iso8601);
}

static const struct native_def dt_fns[] = {
    {"date", dt_date},         {"is_iso8601", dt_is_iso8601}, {"is_rfc3339", dt_is_rfc3339},
    {"now", dt_now},           {"ticks", dt_ticks},           {"today", dt_today},
    {"validate", dt_validate},
};

const struct stdlib_module stdlib_mod_datetime = {"datetime", dt_fns,
                                                  sizeof dt_fns / sizeof dt_fns[0], NULL};
