/*
 * protobuf.c - the PROTOBUF_NOSR format: each record is one proto3 message
 * with no Schema Registry framing, its schema derived from the columns the
 * way ksqlDB (Confluent's ProtobufData) derives it: columns are fields 1..n in
 * order; INTEGER int32, BIGINT int64, DOUBLE double, BOOLEAN bool, STRING
 * string, BYTES bytes; DECIMAL confluent.type.Decimal {bytes value (big-endian
 * two's complement unscaled), uint32 precision, int32 scale}; DATE
 * google.type.Date; TIME google.type.TimeOfDay; TIMESTAMP
 * google.protobuf.Timestamp; STRUCT a nested message; ARRAY a repeated field
 * (packed for numbers); MAP repeated {key = 1, value = 2} entries.
 *
 * proto3 has no NULL for scalars: a NULL scalar is written as nothing and
 * read back as its default (0, "", false), exactly the values ksqlDB's tests
 * expect from this format (a left join's missing side reads as "" and 0).
 * Message-typed fields keep NULL as "absent"; repeated fields read as empty.
 * A message always wraps the columns, even a single one.
 */
#include <string.h>

#include "serde_int.h"

#define PB_MAX_DEPTH 100

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

/* ---------------- writing ---------------- */

/* The default a proto3 reader sees for an absent field. */
static sl_value_t default_of(const sl_type_t *t) {
  sl_value_t v = sl_null();
  switch (t->kind) {
    case SL_T_INT:
    case SL_T_BIGINT:
    case SL_T_BOOLEAN:
    case SL_T_DOUBLE: v.kind = (uint8_t)t->kind; break;
    case SL_T_STRING:
    case SL_T_BYTES:
      v.kind = (uint8_t)t->kind;
      v.u.s.ptr = "";
      v.u.s.len = 0;
      break;
    case SL_T_ARRAY:
    case SL_T_MAP:
      v.kind = (uint8_t)t->kind;
      v.u.arr.items = NULL;
      v.u.arr.n = 0;
      break;
    default: break; /* messages: absent is NULL */
  }
  return v;
}

static void put_varint(sl_buf_t *out, uint64_t v) {
  char b[10];
  int n = 0;
  while (v >= 0x80) {
    b[n++] = (char)(v | 0x80);
    v >>= 7;
  }
  b[n++] = (char)v;
  sl_buf_append(out, b, (size_t)n);
}

static void put_tag(sl_buf_t *out, int num, int wt) {
  put_varint(out, (uint64_t)num << 3 | (unsigned)wt);
}

static void put_len(sl_buf_t *out, int num, const void *p, size_t n) {
  put_tag(out, num, WT_LEN);
  put_varint(out, n);
  if (n) sl_buf_append(out, p, n);
}

static void put_fixed64(sl_buf_t *out, uint64_t u) {
  char b[8];
  for (int i = 0; i < 8; i++) b[i] = (char)(u >> (8 * i));
  sl_buf_append(out, b, 8);
}

static bool is_message(sl_type_kind_t k) {
  return k == SL_T_STRUCT || k == SL_T_DECIMAL || k == SL_T_DATE || k == SL_T_TIME ||
         k == SL_T_TIMESTAMP;
}

static bool is_packable(sl_type_kind_t k) {
  return k == SL_T_INT || k == SL_T_BIGINT || k == SL_T_BOOLEAN || k == SL_T_DOUBLE;
}

static void put_msg(sl_buf_t *out, const sl_type_field_t *f, int nf, const sl_value_t *vals);
static void put_field(sl_buf_t *out, int num, const sl_type_t *t, const sl_value_t *v,
                      bool keep_default);

/* The body of a message-typed value (without tag and length). */
static void put_body(sl_buf_t *out, const sl_type_t *t, const sl_value_t *v) {
  switch (t->kind) {
    case SL_T_STRUCT: put_msg(out, t->fields, t->nfields, v->u.st.fields); return;
    case SL_T_DECIMAL: {
      sl_decimal_t d = sl_serde_decimal_for(v, t);
      /* BigInteger.toByteArray: shortest big-endian two's complement. */
      unsigned char b[17];
      int n = 16;
      __int128 u = d.unscaled;
      for (int i = 15; i >= 0; i--) {
        b[i + 1] = (unsigned char)(u & 0xff);
        u >>= 8;
      }
      int st = 1;
      while (st < n &&
             ((b[st] == 0 && !(b[st + 1] & 0x80)) || (b[st] == 0xff && (b[st + 1] & 0x80))))
        st++;
      put_len(out, 1, b + st, (size_t)(17 - st));
      int prec = sl_decimal_digits(d.unscaled);
      if (prec) {
        put_tag(out, 2, WT_VARINT);
        put_varint(out, (uint64_t)prec);
      }
      if (d.scale) {
        put_tag(out, 3, WT_VARINT);
        put_varint(out, (uint64_t)(int64_t)d.scale);
      }
      return;
    }
    case SL_T_DATE: {
      int64_t y;
      int m, dd;
      sl_civil_from_days(v->u.i, &y, &m, &dd);
      sl_value_t parts[3] = {sl_val_int((int32_t)y), sl_val_int(m), sl_val_int(dd)};
      for (int i = 0; i < 3; i++) put_field(out, i + 1, &sl_type_int, &parts[i], false);
      return;
    }
    case SL_T_TIME: {
      int32_t ms = v->u.i;
      sl_value_t parts[4] = {sl_val_int(ms / 3600000), sl_val_int(ms / 60000 % 60),
                             sl_val_int(ms / 1000 % 60), sl_val_int(ms % 1000 * 1000000)};
      for (int i = 0; i < 4; i++) put_field(out, i + 1, &sl_type_int, &parts[i], false);
      return;
    }
    case SL_T_TIMESTAMP: {
      int64_t ms = v->u.l, sec = ms / 1000, rem = ms % 1000;
      if (rem < 0) sec--, rem += 1000;
      sl_value_t s = sl_val_bigint(sec), n = sl_val_int((int32_t)(rem * 1000000));
      put_field(out, 1, &sl_type_bigint, &s, false);
      put_field(out, 2, &sl_type_int, &n, false);
      return;
    }
    default: return;
  }
}

static void put_nested(sl_buf_t *out, int num, const sl_type_t *t, const sl_value_t *v) {
  sl_buf_t body;
  sl_buf_init(&body);
  put_body(&body, t, v);
  put_len(out, num, body.data, body.len);
  sl_buf_free(&body);
}

static void put_scalar_raw(sl_buf_t *out, const sl_type_t *t, const sl_value_t *v) {
  switch (t->kind) {
    case SL_T_INT: put_varint(out, (uint64_t)(int64_t)v->u.i); return;
    case SL_T_BIGINT: put_varint(out, (uint64_t)v->u.l); return;
    case SL_T_BOOLEAN: put_varint(out, v->u.b ? 1 : 0); return;
    case SL_T_DOUBLE: {
      uint64_t u;
      memcpy(&u, &v->u.d, 8);
      put_fixed64(out, u);
      return;
    }
    default: return;
  }
}

/* One field. proto3 leaves scalars at their default out of the message
 * (keep_default writes them anyway: elements of repeated fields). */
static void put_field(sl_buf_t *out, int num, const sl_type_t *t, const sl_value_t *v,
                      bool keep_default) {
  sl_value_t dflt;
  if (sl_is_null(v)) {
    if (!keep_default || is_message(t->kind)) {
      if (keep_default) put_len(out, num, NULL, 0); /* an element cannot be absent */
      return;
    }
    dflt = default_of(t);
    v = &dflt;
  }
  switch (t->kind) {
    case SL_T_INT:
    case SL_T_BIGINT:
    case SL_T_BOOLEAN: {
      bool zero = t->kind == SL_T_INT      ? v->u.i == 0
                  : t->kind == SL_T_BIGINT ? v->u.l == 0
                                           : !v->u.b;
      if (zero && !keep_default) return;
      put_tag(out, num, WT_VARINT);
      put_scalar_raw(out, t, v);
      return;
    }
    case SL_T_DOUBLE: {
      uint64_t u;
      memcpy(&u, &v->u.d, 8);
      if (!keep_default && u == 0) return; /* -0.0 is not the default */
      put_tag(out, num, WT_I64);
      put_fixed64(out, u);
      return;
    }
    case SL_T_STRING:
    case SL_T_BYTES:
      if (!keep_default && v->u.s.len == 0) return;
      put_len(out, num, v->u.s.ptr, v->u.s.len);
      return;
    case SL_T_ARRAY: {
      const sl_type_t *et = t->elem;
      if (v->u.arr.n == 0) return;
      if (is_packable(et->kind)) {
        sl_buf_t body;
        sl_buf_init(&body);
        sl_value_t zero = default_of(et);
        for (uint32_t i = 0; i < v->u.arr.n; i++) {
          const sl_value_t *e = &v->u.arr.items[i];
          put_scalar_raw(&body, et, sl_is_null(e) ? &zero : e);
        }
        put_len(out, num, body.data, body.len);
        sl_buf_free(&body);
        return;
      }
      for (uint32_t i = 0; i < v->u.arr.n; i++) put_field(out, num, et, &v->u.arr.items[i], true);
      return;
    }
    case SL_T_MAP: {
      sl_type_field_t kv[2] = {{.name = "key", .type = t->key ? t->key : &sl_type_string},
                               {.name = "value", .type = t->elem}};
      for (uint32_t i = 0; i < v->u.arr.n; i++) {
        sl_buf_t body;
        sl_buf_init(&body);
        put_msg(&body, kv, 2, &v->u.arr.items[2 * i]);
        put_len(out, num, body.data, body.len);
        sl_buf_free(&body);
      }
      return;
    }
    default: put_nested(out, num, t, v); return;
  }
}

static void put_msg(sl_buf_t *out, const sl_type_field_t *f, int nf, const sl_value_t *vals) {
  for (int i = 0; i < nf; i++) put_field(out, i + 1, f[i].type, &vals[i], false);
}

/* ---------------- reading ---------------- */

typedef struct pbr {
  const unsigned char *p, *end;
} pbr_t;

static bool get_varint(pbr_t *r, uint64_t *v) {
  uint64_t x = 0;
  for (int sh = 0; sh < 70 && r->p < r->end; sh += 7) {
    unsigned char b = *r->p++;
    if (sh < 64) x |= (uint64_t)(b & 0x7f) << sh;
    if (!(b & 0x80)) {
      *v = x;
      return true;
    }
  }
  return false;
}

static int bad(sl_error_t *err, const char *what) {
  return sl_error_set(err, SL_ESERDE, -1, "Failed to deserialize PROTOBUF_NOSR data: %s", what);
}

typedef struct pbctx {
  sl_arena_t *a;
  sl_error_t *err;
  int depth;
} pbctx_t;

static int get_msg(pbctx_t *c, const unsigned char *p, size_t n, const sl_type_field_t *f, int nf,
                   sl_value_t *vals, uint32_t *caps);

/* Appends one element to a repeated value (arena growth by doubling). */
static sl_value_t *append(pbctx_t *c, sl_value_t *v, uint32_t *cap, uint32_t per) {
  uint32_t used = v->u.arr.n * per;
  if (used + per > *cap) {
    uint32_t nc = *cap ? *cap * 2 : 8 * per;
    sl_value_t *ni = sl_arena_alloc(c->a, nc * sizeof *ni);
    if (used) memcpy(ni, v->u.arr.items, used * sizeof *ni);
    v->u.arr.items = ni;
    *cap = nc;
  }
  v->u.arr.n++;
  return &v->u.arr.items[used];
}

static int get_scalar(pbctx_t *c, const sl_type_t *t, int wt, pbr_t *r, sl_value_t *out) {
  uint64_t u;
  *out = sl_null();
  switch (t->kind) {
    case SL_T_INT:
    case SL_T_BIGINT:
    case SL_T_BOOLEAN:
      if (wt != WT_VARINT || !get_varint(r, &u)) return bad(c->err, "malformed varint");
      out->kind = (uint8_t)t->kind;
      if (t->kind == SL_T_INT)
        out->u.i = (int32_t)(uint32_t)u;
      else if (t->kind == SL_T_BIGINT)
        out->u.l = (int64_t)u;
      else
        out->u.b = u != 0;
      return 0;
    case SL_T_DOUBLE:
      if (wt != WT_I64 || r->end - r->p < 8) return bad(c->err, "truncated double");
      u = 0;
      for (int i = 7; i >= 0; i--) u = u << 8 | r->p[i];
      r->p += 8;
      out->kind = SL_T_DOUBLE;
      memcpy(&out->u.d, &u, 8);
      return 0;
    default: return bad(c->err, "unexpected wire type");
  }
}

/* A length-delimited payload read as a value of type t. */
static int get_len_value(pbctx_t *c, const sl_type_t *t, const unsigned char *p, size_t n,
                         sl_value_t *out) {
  *out = sl_null();
  switch (t->kind) {
    case SL_T_STRING:
      out->kind = SL_T_STRING;
      out->u.s.ptr = sl_serde_utf8_copy(c->a, (const char *)p, n, &out->u.s.len);
      return 0;
    case SL_T_BYTES:
      out->kind = SL_T_BYTES;
      out->u.s.ptr = n ? sl_arena_memdup(c->a, p, n) : "";
      out->u.s.len = (uint32_t)n;
      return 0;
    case SL_T_STRUCT: {
      sl_value_t *fv = sl_arena_alloc(c->a, (size_t)(t->nfields ? t->nfields : 1) * sizeof *fv);
      int rc = get_msg(c, p, n, t->fields, t->nfields, fv, NULL);
      if (rc) return rc;
      out->kind = SL_T_STRUCT;
      out->u.st.fields = fv;
      out->u.st.type = t;
      return 0;
    }
    case SL_T_DECIMAL: {
      static const sl_type_field_t dec_fields[] = {{.name = "value", .type = &sl_type_bytes},
                                                   {.name = "precision", .type = &sl_type_int},
                                                   {.name = "scale", .type = &sl_type_int}};
      sl_value_t f[3];
      int rc = get_msg(c, p, n, dec_fields, 3, f, NULL);
      if (rc) return rc;
      if (f[0].u.s.len > 16) return bad(c->err, "decimal too large");
      __int128 u = 0;
      const unsigned char *b = (const unsigned char *)f[0].u.s.ptr;
      if (f[0].u.s.len && (b[0] & 0x80)) u = -1;
      for (uint32_t i = 0; i < f[0].u.s.len; i++) u = (__int128)((unsigned __int128)u << 8) | b[i];
      sl_decimal_t d = {.unscaled = u, .scale = f[2].u.i}, r;
      if (d.scale != t->scale && sl_decimal_rescale(&d, t->precision, t->scale, &r) == 0) d = r;
      out->kind = SL_T_DECIMAL;
      out->u.dec = d;
      return 0;
    }
    case SL_T_DATE: {
      sl_value_t f[3];
      static const sl_type_field_t ymd[] = {{.name = "year", .type = &sl_type_int},
                                            {.name = "month", .type = &sl_type_int},
                                            {.name = "day", .type = &sl_type_int}};
      int rc = get_msg(c, p, n, ymd, 3, f, NULL);
      if (rc) return rc;
      out->kind = SL_T_DATE;
      out->u.i = (int32_t)sl_days_from_civil(f[0].u.i, f[1].u.i, f[2].u.i);
      return 0;
    }
    case SL_T_TIME: {
      sl_value_t f[4];
      static const sl_type_field_t hmsn[] = {{.name = "hours", .type = &sl_type_int},
                                             {.name = "minutes", .type = &sl_type_int},
                                             {.name = "seconds", .type = &sl_type_int},
                                             {.name = "nanos", .type = &sl_type_int}};
      int rc = get_msg(c, p, n, hmsn, 4, f, NULL);
      if (rc) return rc;
      out->kind = SL_T_TIME;
      out->u.i = f[0].u.i * 3600000 + f[1].u.i * 60000 + f[2].u.i * 1000 + f[3].u.i / 1000000;
      return 0;
    }
    case SL_T_TIMESTAMP: {
      sl_value_t f[2];
      static const sl_type_field_t sn[] = {{.name = "seconds", .type = &sl_type_bigint},
                                           {.name = "nanos", .type = &sl_type_int}};
      int rc = get_msg(c, p, n, sn, 2, f, NULL);
      if (rc) return rc;
      out->kind = SL_T_TIMESTAMP;
      out->u.l = f[0].u.l * 1000 + f[1].u.i / 1000000;
      return 0;
    }
    default: return bad(c->err, "unexpected length-delimited field");
  }
}

/* Skips a field of an unknown number (or of a wire type we do not expect). */
static bool skip(pbr_t *r, int wt) {
  uint64_t u;
  switch (wt) {
    case WT_VARINT: return get_varint(r, &u);
    case WT_I64:
      if (r->end - r->p < 8) return false;
      r->p += 8;
      return true;
    case WT_I32:
      if (r->end - r->p < 4) return false;
      r->p += 4;
      return true;
    case WT_LEN:
      if (!get_varint(r, &u) || u > (uint64_t)(r->end - r->p)) return false;
      r->p += u;
      return true;
    default: return false;
  }
}

static int get_field(pbctx_t *c, const sl_type_t *t, int wt, pbr_t *r, sl_value_t *out,
                     uint32_t *cap) {
  uint64_t len;
  if (t->kind == SL_T_ARRAY) {
    const sl_type_t *et = t->elem;
    if (wt == WT_LEN && is_packable(et->kind)) { /* packed run */
      if (!get_varint(r, &len) || len > (uint64_t)(r->end - r->p)) return bad(c->err, "truncated");
      pbr_t sub = {r->p, r->p + len};
      r->p += len;
      int ewt = et->kind == SL_T_DOUBLE ? WT_I64 : WT_VARINT;
      while (sub.p < sub.end) {
        int rc = get_scalar(c, et, ewt, &sub, append(c, out, cap, 1));
        if (rc) return rc;
      }
      return 0;
    }
    return get_field(c, et, wt, r, append(c, out, cap, 1), NULL);
  }
  if (t->kind == SL_T_MAP) {
    if (wt != WT_LEN || !get_varint(r, &len) || len > (uint64_t)(r->end - r->p))
      return bad(c->err, "malformed map entry");
    sl_type_field_t kv[2] = {{.name = "key", .type = t->key ? t->key : &sl_type_string},
                             {.name = "value", .type = t->elem}};
    sl_value_t *slot = append(c, out, cap, 2);
    int rc = get_msg(c, r->p, (size_t)len, kv, 2, slot, NULL);
    r->p += len;
    return rc;
  }
  if (wt == WT_LEN) {
    if (!get_varint(r, &len) || len > (uint64_t)(r->end - r->p)) return bad(c->err, "truncated");
    const unsigned char *p = r->p;
    r->p += len;
    return get_len_value(c, t, p, (size_t)len, out);
  }
  return get_scalar(c, t, wt, r, out);
}

static int get_msg(pbctx_t *c, const unsigned char *p, size_t n, const sl_type_field_t *f, int nf,
                   sl_value_t *vals, uint32_t *caps) {
  if (++c->depth > PB_MAX_DEPTH) return bad(c->err, "nesting too deep");
  uint32_t small[32];
  if (!caps) caps = nf <= 32 ? small : sl_arena_alloc(c->a, (size_t)nf * sizeof *caps);
  for (int i = 0; i < nf; i++) {
    vals[i] = default_of(f[i].type);
    caps[i] = 0;
  }
  pbr_t r = {p, p + n};
  while (r.p < r.end) {
    uint64_t tag;
    if (!get_varint(&r, &tag)) return bad(c->err, "malformed tag");
    uint64_t num = tag >> 3;
    int wt = (int)(tag & 7);
    if (num == 0) return bad(c->err, "invalid field number 0");
    if (num > (uint64_t)nf) {
      if (!skip(&r, wt)) return bad(c->err, "truncated unknown field");
      continue;
    }
    const sl_type_t *t = f[num - 1].type;
    bool expected_len = t->kind == SL_T_STRING || t->kind == SL_T_BYTES || t->kind == SL_T_MAP ||
                        is_message(t->kind);
    bool ok_wt =
        t->kind == SL_T_ARRAY ||
        (expected_len ? wt == WT_LEN : wt == (t->kind == SL_T_DOUBLE ? WT_I64 : WT_VARINT));
    if (!ok_wt) { /* a field of another type: ignored as unknown, as protobuf does */
      if (!skip(&r, wt)) return bad(c->err, "truncated field");
      continue;
    }
    int rc = get_field(c, t, wt, &r, &vals[num - 1], &caps[num - 1]);
    if (rc) return rc;
  }
  c->depth--;
  return 0;
}

/* ---------------- the format ---------------- */

static int pb_validate(const sl_column_t *cols, int ncols, bool is_key, sl_error_t *err) {
  SL_UNUSED(cols), SL_UNUSED(ncols), SL_UNUSED(is_key), SL_UNUSED(err);
  return 0; /* every SQL type has a protobuf form */
}

static int pb_decode(sl_serde_t *s, const char *data, size_t len, sl_arena_t *a, sl_value_t *out,
                     sl_error_t *err) {
  if (s->ncols == 0) return 0;
  pbctx_t c = {.a = a, .err = err, .depth = 0};
  int rc = get_msg(&c, (const unsigned char *)data, len, s->row_fields, s->ncols, out, NULL);
  if (rc)
    for (int i = 0; i < s->ncols; i++) out[i] = sl_null();
  return rc;
}

static int pb_encode(sl_serde_t *s, const sl_value_t *vals, sl_buf_t *out, sl_error_t *err) {
  SL_UNUSED(err);
  put_msg(out, s->row_fields, s->ncols, vals);
  return 0;
}

const sl_serde_impl_t sl_serde_protobuf_nosr_impl = {
    .vt = {.name = "PROTOBUF_NOSR",
           .supports_wrapping = true,
           .multi_column_key = true,
           .validate = pb_validate},
    .always_wrapped = true,
    .decode = pb_decode,
    .encode = pb_encode,
};
