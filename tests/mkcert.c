/*
 * mkcert - mint X.509 certificates for the uccert tests and demos.
 *
 *   mkcert -o OUT [--cn NAME | --subject /CN=a/O=b/C=US] [--raw-cn-hex HEX]
 *          [--bmp-cn TEXT] [--issuer-cert F --issuer-key F] [--key F]
 *          [--key-type rsa1024|rsa2048|rsa3072|ec256|ec384|ed25519]
 *          [--now T] [--not-before T] [--not-after T] [--gentime]
 *          [--serial [-]HEX] [--ca] [--der] [--append] [--count N]
 *   mkcert --p7b OUT [--der] CERTFILE...
 *
 * T: 2027-01-01T00:00:00Z | @EPOCH | +90d, -3600s, +10y (s/m/h/d/y=365d,
 * relative to --now) | raw YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ.  Every time is
 * encoded as UTCTime for 1950-2049 and GeneralizedTime otherwise (RFC 5280),
 * or always as GeneralizedTime with --gentime.  The default CN
 * "uccert test" applies only if no --cn/--subject/--raw-cn-hex/--bmp-cn.
 * With --count N, OUT holds one %d (1..N), "-<i>" goes on the first CN and
 * the serial (if given) is incremented by i-1.  An existing --key file is
 * used as is (--key-type only applies when it is created).  OpenSSL 3 will
 * not read certificates made with an invalid-UTF-8 --raw-cn-hex, so --p7b
 * cannot bundle them.  On error: "mkcert: <why>" on stderr, exit status 1.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

struct opts {
    const char *out, *cn, *subject, *raw_cn_hex, *bmp_cn;
    const char *issuer_cert, *issuer_key, *key, *key_type;
    const char *now, *not_before, *not_after, *serial, *p7b;
    int gentime, ca, der, append;
    long count;
};

/* ---------------------------------------------------------------- errors */

__attribute__((format(printf, 1, 2)))
_Noreturn static void fail(const char *fmt, ...)
{
    va_list ap;

    fputs("mkcert: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* Like fail(), with the most recent OpenSSL error appended. */
__attribute__((format(printf, 1, 2)))
_Noreturn static void ossl_fail(const char *fmt, ...)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    char what[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    fail("%s%s%s", what, r ? ": " : "", r ? r : "");
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        fail("out of memory");
    return p;
}

/* ------------------------------------------------------------------ time */

/* RFC 3339 UTC ("2027-01-01T00:00:00Z") to epoch seconds. */
static int parse_rfc3339(const char *s, time_t *out)
{
    struct tm tm = { 0 }, chk;
    int n = -1;

    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6
        || n < 0 || s[n] != '\0')
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    chk = tm;
    *out = timegm(&tm);
    /* timegm() normalises out-of-range fields; reject those. */
    return tm.tm_year == chk.tm_year && tm.tm_mon == chk.tm_mon
           && tm.tm_mday == chk.tm_mday && tm.tm_hour == chk.tm_hour
           && tm.tm_min == chk.tm_min && tm.tm_sec == chk.tm_sec;
}

/* "@<epoch>" or RFC 3339 to epoch seconds. */
static time_t parse_abs(const char *s)
{
    time_t t;
    char *end;
    long long v;

    if (s[0] == '@') {
        errno = 0;
        v = strtoll(s + 1, &end, 10);
        if (errno || end == s + 1 || *end != '\0')
            fail("bad epoch time '%s'", s);
        return (time_t)v;
    }
    if (!parse_rfc3339(s, &t))
        fail("bad time '%s' (want 2027-01-01T00:00:00Z or @EPOCH)", s);
    return t;
}

/* "+90d", "-1s", ... relative to base. */
static time_t parse_rel(const char *s, time_t base)
{
    char *end;
    long long v, unit;

    errno = 0;
    v = strtoll(s + 1, &end, 10);
    if (errno || end == s + 1 || !isdigit((unsigned char)s[1])
        || end[0] == '\0' || end[1] != '\0')
        fail("bad relative time '%s' (want e.g. +90d, -3600s)", s);
    switch (*end) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'y': unit = 365LL * 86400; break;
    default: fail("bad time unit in '%s' (use s, m, h, d or y)", s);
    }
    if (v > 400000LL * 365 * 86400 / unit)
        fail("relative time '%s' out of range", s);
    return s[0] == '-' ? base - (time_t)(v * unit) : base + (time_t)(v * unit);
}

/* Encode t as UTCTime (1950-2049) or GeneralizedTime (otherwise / forced). */
static ASN1_TIME *time_from_epoch(time_t t, int gentime)
{
    struct tm tm;
    char buf[32];
    int year, ok;
    ASN1_TIME *at;

    if (gmtime_r(&t, &tm) == NULL)
        fail("time out of range");
    year = tm.tm_year + 1900;
    if (year < 1 || year > 9999)
        fail("year %d cannot be encoded in a certificate", year);
    at = ASN1_TIME_new();
    if (at == NULL)
        ossl_fail("ASN1_TIME_new");
    if (gentime || year < 1950 || year >= 2050) {
        snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02dZ", year,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        ok = ASN1_GENERALIZEDTIME_set_string(at, buf);
    } else {
        snprintf(buf, sizeof(buf), "%02d%02d%02d%02d%02d%02dZ", year % 100,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        ok = ASN1_UTCTIME_set_string(at, buf);
    }
    if (!ok)
        ossl_fail("cannot encode time");
    return at;
}

/* Any accepted TIME form to an ASN1_TIME with the requested encoding. */
static ASN1_TIME *parse_time(const char *s, time_t now, int gentime)
{
    size_t len = strlen(s);
    ASN1_TIME *at;

    if ((len == 13 || len == 15) && s[len - 1] == 'Z'
        && strspn(s, "0123456789") == len - 1) {
        /* raw ASN.1 form: these digits, typed per RFC 5280 or --gentime */
        if ((at = ASN1_TIME_new()) == NULL)
            ossl_fail("ASN1_TIME_new");
        if (!ASN1_TIME_set_string_X509(at, s))
            fail("invalid ASN.1 time '%s'", s);
        if (gentime && ASN1_STRING_type(at) == V_ASN1_UTCTIME) {
            ASN1_GENERALIZEDTIME *g = ASN1_TIME_to_generalizedtime(at, NULL);

            if (g == NULL)
                ossl_fail("cannot convert time");
            ASN1_TIME_free(at);
            at = g;
        }
        return at;
    }
    if (s[0] == '+' || s[0] == '-')
        return time_from_epoch(parse_rel(s, now), gentime);
    return time_from_epoch(parse_abs(s), gentime);
}

/* ------------------------------------------------------------- subject */

/* Decode hex digits; spaces and colons between bytes are ignored. */
static unsigned char *decode_hex(const char *s, size_t *len)
{
    unsigned char *buf = xmalloc(strlen(s) / 2 + 1);
    size_t n = 0;
    int hi, lo;

    for (; *s; s++) {
        if (*s == ' ' || *s == ':')
            continue;
        if ((hi = OPENSSL_hexchar2int((unsigned char)s[0])) < 0
            || (lo = OPENSSL_hexchar2int((unsigned char)s[1])) < 0)
            fail("bad hex string for --raw-cn-hex");
        buf[n++] = (unsigned char)(hi << 4 | lo);
        s++;
    }
    *len = n;
    return buf;
}

static char *concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *r = xmalloc(la + lb + 1);

    memcpy(r, a, la);
    memcpy(r + la, b, lb + 1);
    return r;
}

static void add_text(X509_NAME *name, const char *field, const char *value)
{
    if (!X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                    (const unsigned char *)value, -1, -1, 0))
        fail("cannot add subject field %s='%s'", field, value);
}

/*
 * Parse "/CN=a/O=b/C=US" into name; "\" escapes the next character.
 * *suffix (if non-NULL) is appended to the first CN and then cleared.
 */
static void parse_subject(X509_NAME *name, const char *dn, const char **suffix)
{
    char *buf = xmalloc(strlen(dn) + 1), *field, *value, *eq;
    const char *p = dn;

    if (*p != '/')
        fail("subject must start with '/' (e.g. /CN=a/O=b)");
    while (*p == '/') {
        size_t n = 0;

        for (p++; *p && *p != '/'; p++) {
            if (*p == '\\' && p[1])
                p++;
            buf[n++] = *p;
        }
        buf[n] = '\0';
        if (n == 0)
            continue;
        if ((eq = strchr(buf, '=')) == NULL || eq == buf)
            fail("bad subject component '%s'", buf);
        *eq = '\0';
        field = buf;
        value = eq + 1;
        if (*suffix && OBJ_txt2nid(field) == NID_commonName) {
            char *v = concat(value, *suffix);

            add_text(name, field, v);
            free(v);
            *suffix = NULL;
        } else {
            add_text(name, field, value);
        }
    }
    free(buf);
}

/*
 * OpenSSL 3.0 refuses to encode (or decode) a name holding invalid UTF-8,
 * so --raw-cn-hex puts a random ASCII placeholder of the same length into
 * the name; patch_raw_cn() swaps the real bytes into the encoded TBS.
 */
struct raw_cn {
    unsigned char *bytes, *ph;  /* real content, placeholder */
    size_t len;
};

static void add_raw_cn(X509_NAME *name, const char *hex, const char **suffix,
                       struct raw_cn *rc)
{
    size_t n, sl = *suffix ? strlen(*suffix) : 0;
    unsigned char *raw = decode_hex(hex, &n);

    rc->len = n + sl;
    rc->bytes = xmalloc(rc->len);
    rc->ph = xmalloc(rc->len);
    memcpy(rc->bytes, raw, n);
    if (sl)
        memcpy(rc->bytes + n, *suffix, sl);
    *suffix = NULL;
    free(raw);
    if (RAND_bytes(rc->ph, (int)rc->len) < 0)
        ossl_fail("RAND_bytes");
    for (size_t i = 0; i < rc->len; i++)
        rc->ph[i] = (unsigned char)('a' + rc->ph[i] % 26);
    if (!X509_NAME_add_entry_by_NID(name, NID_commonName, V_ASN1_UTF8STRING,
                                    rc->ph, (int)rc->len, -1, 0))
        ossl_fail("cannot add raw CN");
}

static void add_bmp_cn(X509_NAME *name, const char *text, const char **suffix)
{
    char *t = concat(text, *suffix ? *suffix : "");
    ASN1_STRING *bmp = NULL;

    *suffix = NULL;
    if (ASN1_mbstring_copy(&bmp, (const unsigned char *)t, -1, MBSTRING_UTF8,
                           B_ASN1_BMPSTRING) < 0)
        ossl_fail("cannot convert --bmp-cn text to BMPString");
    if (!X509_NAME_add_entry_by_NID(name, NID_commonName, V_ASN1_BMPSTRING,
                                    ASN1_STRING_get0_data(bmp),
                                    ASN1_STRING_length(bmp), -1, 0))
        ossl_fail("cannot add BMPString CN");
    ASN1_STRING_free(bmp);
    free(t);
}

/* Build the subject; suffix ("-<i>" for --count) goes onto the first CN. */
static X509_NAME *build_name(const struct opts *o, const char *suffix,
                             struct raw_cn *rc)
{
    X509_NAME *name = X509_NAME_new();
    const char *cn = o->cn;

    if (name == NULL)
        ossl_fail("X509_NAME_new");
    if (cn == NULL && !o->subject && !o->raw_cn_hex && !o->bmp_cn)
        cn = "uccert test";
    if (o->subject) {
        parse_subject(name, o->subject, &suffix);
    } else if (cn) {
        char *v = concat(cn, suffix ? suffix : "");

        add_text(name, "CN", v);
        free(v);
        suffix = NULL;
    }
    if (o->raw_cn_hex)
        add_raw_cn(name, o->raw_cn_hex, &suffix, rc);
    if (o->bmp_cn)
        add_bmp_cn(name, o->bmp_cn, &suffix);
    return name;
}

/* ------------------------------------------------------------------ keys */

static EVP_PKEY *generate_key(const char *type)
{
    static const struct { const char *name, *alg, *curve; size_t bits; } t[] = {
        { "rsa1024", "RSA", NULL, 1024 }, { "rsa2048", "RSA", NULL, 2048 },
        { "rsa3072", "RSA", NULL, 3072 }, { "ec256", "EC", "P-256", 0 },
        { "ec384", "EC", "P-384", 0 },    { "ed25519", "ED25519", NULL, 0 },
    };
    EVP_PKEY *k;

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcmp(type, t[i].name) != 0)
            continue;
        if (t[i].bits)
            k = EVP_PKEY_Q_keygen(NULL, NULL, t[i].alg, t[i].bits);
        else if (t[i].curve)
            k = EVP_PKEY_Q_keygen(NULL, NULL, t[i].alg, t[i].curve);
        else
            k = EVP_PKEY_Q_keygen(NULL, NULL, t[i].alg);
        if (k == NULL)
            ossl_fail("key generation failed");
        return k;
    }
    fail("unknown key type '%s' (rsa1024, rsa2048, rsa3072, ec256, ec384, "
         "ed25519)", type);
}

/* Read a PEM private key (cert == NULL) or certificate (into *cert). */
static EVP_PKEY *read_pem(const char *path, X509 **cert)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = NULL;

    if (f == NULL)
        fail("cannot open %s: %s", path, strerror(errno));
    if (cert ? (*cert = PEM_read_X509(f, NULL, NULL, NULL)) == NULL
             : (k = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL)
        ossl_fail("cannot read %s from %s", cert ? "certificate" : "key", path);
    fclose(f);
    return k;
}

/* --key FILE: load it, or create it (mode 0600) if it does not exist. */
static EVP_PKEY *load_or_create_key(const char *path, const char *type)
{
    EVP_PKEY *k;
    FILE *f = NULL;
    int fd;

    if (path == NULL)
        return generate_key(type);
    if (access(path, F_OK) == 0)
        return read_pem(path, NULL);
    k = generate_key(type);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
        fail("cannot create key %s: %s", path, strerror(errno));
    if (!PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL))
        ossl_fail("cannot write private key");
    if (fclose(f) != 0)
        fail("cannot write key %s: %s", path, strerror(errno));
    return k;
}

/* ------------------------------------------------------------- minting */

static BIGNUM *parse_serial(const char *hex)
{
    BIGNUM *bn = NULL;
    const char *digits = hex[0] == '-' ? hex + 1 : hex;
    size_t n = strlen(digits);

    if (n == 0 || n > 256 || strspn(digits, "0123456789abcdefABCDEF") != n)
        fail("bad serial '%s' (want [-]HEX, at most 256 digits)", hex);
    if (BN_hex2bn(&bn, hex) != (int)strlen(hex))
        ossl_fail("bad serial");
    return bn;
}

static void set_serial(X509 *x, const BIGNUM *base, long idx)
{
    BIGNUM *bn = base ? BN_dup(base) : BN_new();
    ASN1_INTEGER *ai;

    if (bn == NULL)
        ossl_fail("BN_new");
    if (base == NULL) {
        /* 63 random bits with the top one set: always 8 bytes, positive */
        if (!BN_rand(bn, 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY))
            ossl_fail("BN_rand");
    } else if (idx > 0 && !BN_add_word(bn, (BN_ULONG)idx)) {
        ossl_fail("BN_add_word");
    }
    ai = BN_to_ASN1_INTEGER(bn, NULL);
    if (ai == NULL || !X509_set_serialNumber(x, ai))
        ossl_fail("cannot set serial");
    ASN1_INTEGER_free(ai);
    BN_free(bn);
}

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

    if (ext == NULL || !X509_add_ext(x, ext, -1))
        ossl_fail("cannot add extension");
    X509_EXTENSION_free(ext);
}

struct mint {
    const struct opts *o;
    EVP_PKEY *key, *issuer_key;
    X509 *issuer;                 /* NULL: self-signed */
    ASN1_TIME *not_before, *not_after;
    BIGNUM *serial;               /* NULL: random */
};

static const EVP_MD *sign_md(EVP_PKEY *k)
{
    return EVP_PKEY_is_a(k, "ED25519") || EVP_PKEY_is_a(k, "ED448")
           ? NULL : EVP_sha256();
}

/* Build and sign one certificate; rc receives any --raw-cn-hex data. */
static X509 *build_cert(const struct mint *m, long idx, const char *suffix,
                        struct raw_cn *rc)
{
    X509 *x = X509_new();
    X509_NAME *name = build_name(m->o, suffix, rc);
    EVP_PKEY *signer = m->issuer ? m->issuer_key : m->key;
    X509V3_CTX ctx;

    if (x == NULL
        || !X509_set_version(x, X509_VERSION_3)
        || !X509_set_subject_name(x, name)
        || !X509_set_issuer_name(x, m->issuer ? X509_get_subject_name(m->issuer)
                                              : name)
        || !X509_set1_notBefore(x, m->not_before)
        || !X509_set1_notAfter(x, m->not_after)
        || !X509_set_pubkey(x, m->key))
        ossl_fail("cannot fill in certificate");
    X509_NAME_free(name);
    set_serial(x, m->serial, idx);

    X509V3_set_ctx(&ctx, m->issuer ? m->issuer : x, x, NULL, NULL, 0);
    if (m->o->ca) {
        add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, &ctx, NID_basic_constraints, "CA:FALSE");
    }
    add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    if (m->issuer)
        add_ext(x, &ctx, NID_authority_key_identifier, "keyid");
    if (X509_sign(x, signer, sign_md(signer)) <= 0)
        ossl_fail("signing failed");
    return x;
}

/* Write a DER length (or just count its size if out is NULL). */
static size_t der_len(size_t n, unsigned char *out)
{
    size_t bytes = 0;

    if (n < 0x80) {
        if (out)
            out[0] = (unsigned char)n;
        return 1;
    }
    for (size_t v = n; v; v >>= 8)
        bytes++;
    if (out) {
        out[0] = (unsigned char)(0x80 | bytes);
        for (size_t i = 0; i < bytes; i++)
            out[bytes - i] = (unsigned char)(n >> (8 * i));
    }
    return bytes + 1;
}

/* Replace every "CN = UTF8String(placeholder)" in tbs; return the count. */
static int patch_raw_cn(unsigned char *tbs, size_t len, const struct raw_cn *rc)
{
    unsigned char *pat = xmalloc(rc->len + 16), *p = tbs;
    size_t plen = 6;
    int hits = 0;

    memcpy(pat, "\x06\x03\x55\x04\x03\x0c", 6);  /* OID 2.5.4.3, UTF8 tag */
    plen += der_len(rc->len, pat + plen);
    memcpy(pat + plen, rc->ph, rc->len);
    plen += rc->len;
    while ((p = memmem(p, len - (size_t)(p - tbs), pat, plen)) != NULL) {
        memcpy(p + plen - rc->len, rc->bytes, rc->len);
        p += plen;
        hits++;
    }
    free(pat);
    return hits;
}

/* Sign tbs and assemble Certificate ::= SEQUENCE { tbs, alg, signature }. */
static unsigned char *assemble(X509 *x, const unsigned char *tbs, size_t tlen,
                               EVP_PKEY *signer, size_t *outlen)
{
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    const X509_ALGOR *alg;
    unsigned char *sig, *algder = NULL, *out, *p;
    size_t slen, body;
    int alen;

    if (mc == NULL
        || EVP_DigestSignInit(mc, NULL, sign_md(signer), NULL, signer) != 1
        || EVP_DigestSign(mc, NULL, &slen, tbs, tlen) != 1
        || EVP_DigestSign(mc, sig = xmalloc(slen), &slen, tbs, tlen) != 1)
        ossl_fail("signing failed");
    EVP_MD_CTX_free(mc);
    X509_get0_signature(NULL, &alg, x);
    if ((alen = i2d_X509_ALGOR(alg, &algder)) <= 0)
        ossl_fail("cannot encode signature algorithm");
    body = tlen + (size_t)alen + 1 + der_len(slen + 1, NULL) + 1 + slen;
    p = out = xmalloc(1 + der_len(body, NULL) + body);
    *p++ = 0x30;
    p += der_len(body, p);
    memcpy(p, tbs, tlen);
    p += tlen;
    memcpy(p, algder, (size_t)alen);
    p += alen;
    *p++ = 0x03;                         /* BIT STRING, no unused bits */
    p += der_len(slen + 1, p);
    *p++ = 0x00;
    memcpy(p, sig, slen);
    *outlen = (size_t)(p + slen - out);
    OPENSSL_free(algder);
    free(sig);
    return out;
}

/* Mint one certificate and return its DER encoding (malloc'd). */
static unsigned char *mint_der(const struct mint *m, long idx,
                               const char *suffix, size_t *len)
{
    for (int attempt = 0; attempt < 16; attempt++) {
        struct raw_cn rc = { NULL, NULL, 0 };
        X509 *x = build_cert(m, idx, suffix, &rc);
        unsigned char *der = NULL, *tbs = NULL;
        int n;

        if (rc.bytes == NULL) {
            if ((n = i2d_X509(x, &der)) <= 0)
                ossl_fail("cannot encode certificate");
            *len = (size_t)n;
        } else if ((n = i2d_re_X509_tbs(x, &tbs)) <= 0) {
            ossl_fail("cannot encode certificate");
        } else if (patch_raw_cn(tbs, (size_t)n, &rc) == (m->issuer ? 1 : 2)) {
            der = assemble(x, tbs, (size_t)n, m->issuer ? m->issuer_key
                                                        : m->key, len);
        }   /* else: placeholder collided with other bytes; try again */
        OPENSSL_free(tbs);
        free(rc.bytes);
        free(rc.ph);
        X509_free(x);
        if (der)
            return der;
    }
    fail("cannot place --raw-cn-hex bytes in the certificate");
}

static void write_cert(const unsigned char *der, size_t len, const char *path,
                       const struct opts *o)
{
    FILE *f = fopen(path, o->append ? "ab" : "wb");
    int ok;

    if (f == NULL)
        fail("cannot open %s: %s", path, strerror(errno));
    ok = o->der ? fwrite(der, 1, len, f) == len
                : PEM_write(f, PEM_STRING_X509, "", der, (long)len) > 0;
    if (fclose(f) != 0 || !ok)
        fail("cannot write %s", path);
}

/* Replace the single "%d" in pattern by i. */
static char *expand_out(const char *pattern, long i)
{
    const char *pos = strstr(pattern, "%d");
    size_t n = strlen(pattern) + 24;
    char *r = xmalloc(n);

    snprintf(r, n, "%.*s%ld%s", (int)(pos - pattern), pattern, i, pos + 2);
    return r;
}

static void mint_all(const struct opts *o)
{
    struct mint m = { .o = o };
    time_t now = o->now ? parse_abs(o->now) : time(NULL);

    if (o->count > 0) {
        const char *pos = strstr(o->out, "%d");

        if (pos == NULL || strchr(o->out, '%') != pos
            || strchr(pos + 1, '%') != NULL)
            fail("with --count, -o must contain exactly one %%d");
    }
    if (!o->issuer_cert != !o->issuer_key)
        fail("--issuer-cert and --issuer-key must be given together");
    m.not_before = parse_time(o->not_before, now, o->gentime);
    m.not_after = parse_time(o->not_after, now, o->gentime);
    m.serial = o->serial ? parse_serial(o->serial) : NULL;
    if (o->issuer_cert) {
        read_pem(o->issuer_cert, &m.issuer);
        m.issuer_key = read_pem(o->issuer_key, NULL);
        if (!X509_check_private_key(m.issuer, m.issuer_key))
            fail("issuer key does not match issuer certificate");
    }
    m.key = load_or_create_key(o->key, o->key_type);

    for (long i = o->count ? 1 : 0; i <= o->count; i++) {
        char suffix[32], *path = o->count ? expand_out(o->out, i) : NULL;
        unsigned char *der;
        size_t len = 0;

        snprintf(suffix, sizeof(suffix), "-%ld", i);
        der = mint_der(&m, i ? i - 1 : 0, o->count ? suffix : NULL, &len);
        write_cert(der, len, path ? path : o->out, o);
        free(der);
        free(path);
    }
    EVP_PKEY_free(m.key);
    EVP_PKEY_free(m.issuer_key);
    X509_free(m.issuer);
    ASN1_TIME_free(m.not_before);
    ASN1_TIME_free(m.not_after);
    BN_free(m.serial);
}

/* ---------------------------------------------------------------- PKCS#7 */

/* Add every certificate in path (PEM with one or more certs, or DER). */
static int add_certs_from(PKCS7 *p7, const char *path)
{
    BIO *in = BIO_new_file(path, "rb"), *mem = BIO_new(BIO_s_mem());
    char chunk[4096], *data;
    int r, count = 0;
    long len;
    X509 *x;

    if (in == NULL || mem == NULL)
        fail("cannot open %s: %s", path, strerror(errno));
    while ((r = BIO_read(in, chunk, sizeof(chunk))) > 0)
        BIO_write(mem, chunk, r);
    BIO_free(in);
    len = BIO_get_mem_data(mem, &data);
    if (len > 0 && memmem(data, (size_t)len, "-----BEGIN", 10) != NULL) {
        while ((x = PEM_read_bio_X509(mem, NULL, NULL, NULL)) != NULL) {
            if (!PKCS7_add_certificate(p7, x))
                ossl_fail("PKCS7_add_certificate");
            X509_free(x);
            count++;
        }
        /* the loop normally ends at "no start line"; else it is an error */
        if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE)
            ossl_fail("cannot parse a certificate in %s", path);
        ERR_clear_error();
    } else {
        const unsigned char *p = (const unsigned char *)data;
        const unsigned char *end = p + len;

        while (p < end) {
            if ((x = d2i_X509(NULL, &p, end - p)) == NULL)
                ossl_fail("bad DER certificate in %s", path);
            if (!PKCS7_add_certificate(p7, x))
                ossl_fail("PKCS7_add_certificate");
            X509_free(x);
            count++;
        }
    }
    BIO_free(mem);
    return count;
}

static void write_p7b(const struct opts *o, int nfiles, char **files)
{
    PKCS7 *p7 = PKCS7_new();
    BIO *out;
    int ok;

    if (nfiles == 0)
        fail("--p7b needs certificate files as arguments");
    if (p7 == NULL || !PKCS7_set_type(p7, NID_pkcs7_signed)
        || !PKCS7_content_new(p7, NID_pkcs7_data))
        ossl_fail("cannot create PKCS#7 structure");
    PKCS7_set_detached(p7, 1);  /* certs-only: no encapsulated content */
    for (int i = 0; i < nfiles; i++)
        if (add_certs_from(p7, files[i]) == 0)
            fail("no certificates in %s", files[i]);
    if ((out = BIO_new_file(o->p7b, "wb")) == NULL)
        fail("cannot open %s: %s", o->p7b, strerror(errno));
    ok = o->der ? i2d_PKCS7_bio(out, p7) : PEM_write_bio_PKCS7(out, p7);
    if (BIO_free(out) != 1 || !ok)
        fail("cannot write %s", o->p7b);
    PKCS7_free(p7);
}

/* ------------------------------------------------------------------ main */

static const struct option long_opts[] = {
    { "out", required_argument, NULL, 'o' },
    { "cn", required_argument, NULL, 'c' },
    { "subject", required_argument, NULL, 's' },
    { "raw-cn-hex", required_argument, NULL, 'r' },
    { "bmp-cn", required_argument, NULL, 'b' },
    { "issuer-cert", required_argument, NULL, 'I' },
    { "issuer-key", required_argument, NULL, 'K' },
    { "key", required_argument, NULL, 'k' },
    { "key-type", required_argument, NULL, 't' },
    { "now", required_argument, NULL, 'N' },
    { "not-before", required_argument, NULL, 'B' },
    { "not-after", required_argument, NULL, 'A' },
    { "gentime", no_argument, NULL, 'G' },
    { "serial", required_argument, NULL, 'S' },
    { "ca", no_argument, NULL, 'C' },
    { "der", no_argument, NULL, 'D' },
    { "append", no_argument, NULL, 'a' },
    { "count", required_argument, NULL, 'n' },
    { "p7b", required_argument, NULL, 'p' },
    { NULL, 0, NULL, 0 }
};

static long parse_count(const char *s)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || n < 1 || n > 10000000)
        fail("bad --count '%s'", s);
    return n;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:", long_opts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'c': o->cn = optarg; break;
        case 's': o->subject = optarg; break;
        case 'r': o->raw_cn_hex = optarg; break;
        case 'b': o->bmp_cn = optarg; break;
        case 'I': o->issuer_cert = optarg; break;
        case 'K': o->issuer_key = optarg; break;
        case 'k': o->key = optarg; break;
        case 't': o->key_type = optarg; break;
        case 'N': o->now = optarg; break;
        case 'B': o->not_before = optarg; break;
        case 'A': o->not_after = optarg; break;
        case 'G': o->gentime = 1; break;
        case 'S': o->serial = optarg; break;
        case 'C': o->ca = 1; break;
        case 'D': o->der = 1; break;
        case 'a': o->append = 1; break;
        case 'n': o->count = parse_count(optarg); break;
        case 'p': o->p7b = optarg; break;
        default:
            fail("bad option or missing value in '%s'; usage: mkcert -o OUT "
                 "[options] | mkcert --p7b OUT [--der] CERTFILE...",
                 argv[optind - 1]);
        }
    }
}

int main(int argc, char **argv)
{
    struct opts o = {
        .key_type = "rsa2048", .not_before = "-1d", .not_after = "+365d",
    };

    parse_args(argc, argv, &o);
    if (o.p7b) {
        write_p7b(&o, argc - optind, argv + optind);
        return 0;
    }
    if (o.out == NULL)
        fail("-o OUT is required");
    if (optind < argc)
        fail("unexpected argument '%s'", argv[optind]);
    mint_all(&o);
    return 0;
}
