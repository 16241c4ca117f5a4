/* err.h - the one error convention of Skylapse.
 *
 * Functions return 0 (SL_OK) on success and one of the negative codes below
 * on failure; err_str() names a code. Thin system-call wrappers instead
 * return -1 and set errno, like the calls they wrap. Functions that judge
 * untrusted input also fill a caller's `char why[ERRMSG_MAX]` with a sentence
 * a user can act on ("'profile' must be a string").
 *
 * Across programs an error travels as data: the payload's `error_kind` is the
 * fixed word err_kind() gives for the code, and `error` the sentence, for
 * people only. A program decides on the word (err_from_kind()), never on the
 * sentence.
 *
 * assert() states an invariant, a fact that only a bug can break (never a
 * check of input, which gets an error code): it runs in the sanitizer builds
 * (`make SANITIZE=1`) and is compiled out of the others (NDEBUG).
 */
#ifndef SKYLAPSE_LIB_ERR_H
#define SKYLAPSE_LIB_ERR_H

#define ERRMSG_MAX 256

enum sl_err {
	SL_OK = 0,
	SL_ERR_NOMEM = -1,    /* allocation failed */
	SL_ERR_INVAL = -2,    /* bad argument or bad input */
	SL_ERR_IO = -3,       /* read, write, fsync, rename failed */
	SL_ERR_NOTFOUND = -4, /* no such file, id, profile, camera */
	SL_ERR_PARSE = -5,    /* malformed JSON or text */
	SL_ERR_RANGE = -6,    /* value outside its allowed range */
	SL_ERR_DENIED = -7,   /* not authorized */
	SL_ERR_NOSPACE = -8,  /* disk (nearly) full */
	SL_ERR_BROKER = -9,   /* MQTT broker unreachable or refused */
	SL_ERR_TIMEOUT = -10, /* no answer in time */
	SL_ERR_CAMERA = -11,  /* the camera failed or is missing */
	SL_ERR_UNSUPPORTED = -12,
	SL_ERR_BUSY = -13,
	SL_ERR_TOOBIG = -14, /* payload or body over its limit */
	SL_ERR_UNREACHABLE = -15, /* a host down, refusing, without a route */
};

/* Returns a static string naming `code`; never NULL. */
const char *err_str(int code);
/* Returns the fixed word for `code` as it crosses the wire in `error_kind`:
 * "denied", "invalid" (also for PARSE and RANGE), "not_found", "busy",
 * "no_space", "camera", "timeout", "broker", "io", "too_big", "unsupported",
 * "unreachable", "internal" (NOMEM and codes not named here); NULL for
 * SL_OK. Static. */
const char *err_kind(int code);
/* Returns the code a received `error_kind` word stands for (the first code
 * err_kind() gives that word), SL_ERR_INVAL for an unknown word or NULL. */
int err_from_kind(const char *kind);
/* The code of a failed write's errno `e`: SL_ERR_NOSPACE for ENOSPC and
 * EDQUOT (a full disk is "no_space" on the wire), SL_ERR_IO otherwise. */
int err_from_errno(int e);
/* Fills `why` printf-style; what does not fit is cut. */
void err_why(char why[ERRMSG_MAX], const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
