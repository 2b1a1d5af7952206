/* JSON string text: the one escaper for every string the service writes into
 * JSON itself (the access log, error messages, the Open Inference Protocol's
 * classification strings). One policy: well-formed UTF-8 passes through as
 * it is; '"' and '\' are escaped; control bytes, DEL and every byte that is
 * not part of a well-formed UTF-8 sequence (overlong forms, surrogates, past
 * U+10FFFF, cut short) become \u00XX, the byte read as Latin-1. The result is
 * valid JSON string content and valid UTF-8 whatever the input was; text
 * that must keep its characters (labels) is checked with utf8_invalid_at.
 * Thread-safe; allocates nothing. */
#ifndef LOOKSLIKE_JSON_TEXT_H
#define LOOKSLIKE_JSON_TEXT_H

#include <stddef.h>

/* Escapes the NUL-terminated s into out (cap bytes, always NUL-terminated
 * when cap > 0; cut between two characters or escapes when it does not fit)
 * and returns the length of the whole escaped text, as snprintf does: a value
 * >= cap means it was cut. out may be NULL when cap is 0. */
size_t json_escape(const char *s, char *out, size_t cap);

/* The offset of the first byte of the NUL-terminated s that is not part of a
 * well-formed UTF-8 sequence (the bytes json_escape would write as \u00XX
 * although they are not control bytes), or -1 when s is all UTF-8. */
long utf8_invalid_at(const char *s);

#endif
