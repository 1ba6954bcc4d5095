/*
 * kafka.c - the KAFKA format: one column in the bytes Kafka's own Java
 * serializers produce (IntegerSerializer, LongSerializer, DoubleSerializer,
 * StringSerializer, ByteBufferSerializer): big-endian 4 and 8 byte integers,
 * IEEE doubles, UTF-8 text, raw bytes. No columns at all (a keyless stream's
 * key) reads as nothing and writes nothing. A NULL value writes nothing too;
 * callers ask sl_serde_encodes_null and produce a null Kafka key or value.
 */
#include <string.h>

#include "serde_int.h"

static bool kafka_type_ok(sl_type_kind_t k) {
  return k == SL_T_INT || k == SL_T_BIGINT || k == SL_T_DOUBLE || k == SL_T_STRING ||
         k == SL_T_BYTES;
}

static int kafka_validate(const sl_column_t *cols, int ncols, bool is_key, sl_error_t *err) {
  if (ncols > 1) {
    sl_buf_t b;
    sl_buf_init(&b);
    sl_serde_put_columns(&b, cols, ncols, is_key);
    sl_error_set(err, SL_ESEMANTIC, -1,
                 "The 'KAFKA' format only supports a single field. Got: [%s]", b.data);
    sl_buf_free(&b);
    return SL_ESEMANTIC;
  }
  if (ncols == 1 && !kafka_type_ok(cols[0].type->kind))
    return sl_error_set(err, SL_ESEMANTIC, -1, "The 'KAFKA' format does not support type '%s'",
                        sl_type_kind_name(cols[0].type->kind));
  return 0;
}

static uint64_t be(const unsigned char *p, int n) {
  uint64_t u = 0;
  for (int i = 0; i < n; i++) u = u << 8 | p[i];
  return u;
}

static int kafka_decode(sl_serde_t *s, const char *data, size_t len, sl_arena_t *a, sl_value_t *out,
                        sl_error_t *err) {
  if (s->ncols == 0) return 0;
  const unsigned char *p = (const unsigned char *)data;
  sl_value_t v = sl_null();
  switch (s->cols[0].type->kind) {
    case SL_T_INT:
      if (len != 4)
        return sl_error_set(err, SL_ESERDE, -1,
                            "Size of data received by IntegerDeserializer is not 4");
      v.kind = SL_T_INT;
      v.u.i = (int32_t)(uint32_t)be(p, 4);
      break;
    case SL_T_BIGINT:
      if (len != 8)
        return sl_error_set(err, SL_ESERDE, -1,
                            "Size of data received by LongDeserializer is not 8");
      v.kind = SL_T_BIGINT;
      v.u.l = (int64_t)be(p, 8);
      break;
    case SL_T_DOUBLE: {
      if (len != 8)
        return sl_error_set(err, SL_ESERDE, -1,
                            "Size of data received by DoubleDeserializer is not 8");
      uint64_t u = be(p, 8);
      v.kind = SL_T_DOUBLE;
      memcpy(&v.u.d, &u, 8);
      break;
    }
    case SL_T_STRING:
      v.kind = SL_T_STRING;
      v.u.s.ptr = sl_serde_utf8_copy(a, data, len, &v.u.s.len);
      break;
    case SL_T_BYTES:
      v.kind = SL_T_BYTES;
      v.u.s.ptr = len ? sl_arena_memdup(a, data, len) : "";
      v.u.s.len = (uint32_t)len;
      break;
    default:
      return sl_error_set(err, SL_ESERDE, -1, "The 'KAFKA' format does not support type '%s'",
                          sl_type_kind_name(s->cols[0].type->kind));
  }
  out[0] = v;
  return 0;
}

static void put_be(sl_buf_t *out, uint64_t u, int n) {
  unsigned char b[8];
  for (int i = n - 1; i >= 0; i--) {
    b[i] = (unsigned char)(u & 0xff);
    u >>= 8;
  }
  sl_buf_append(out, b, (size_t)n);
}

static int kafka_encode(sl_serde_t *s, const sl_value_t *vals, sl_buf_t *out, sl_error_t *err) {
  if (s->ncols == 0 || sl_is_null(&vals[0])) return 0;
  const sl_value_t *v = &vals[0];
  switch (s->cols[0].type->kind) {
    case SL_T_INT: put_be(out, (uint32_t)v->u.i, 4); return 0;
    case SL_T_BIGINT: put_be(out, (uint64_t)v->u.l, 8); return 0;
    case SL_T_DOUBLE: {
      uint64_t u;
      memcpy(&u, &v->u.d, 8);
      put_be(out, u, 8);
      return 0;
    }
    case SL_T_STRING:
    case SL_T_BYTES: sl_buf_append(out, v->u.s.ptr, v->u.s.len); return 0;
    default:
      return sl_error_set(err, SL_ESERDE, -1, "The 'KAFKA' format does not support type '%s'",
                          sl_type_kind_name(s->cols[0].type->kind));
  }
}

const sl_serde_impl_t sl_serde_kafka_impl = {
    .vt = {.name = "KAFKA",
           .supports_wrapping = false,
           .multi_column_key = false,
           .validate = kafka_validate},
    .decode = kafka_decode,
    .encode = kafka_encode,
};
