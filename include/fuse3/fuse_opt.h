/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Public option-parsing interface: option templates, argument vectors and
 * the helpers that build them. API- and ABI-compatible with libfuse's
 * fuse_opt.h (same struct layouts, macros and key values).
 */

#ifndef FUSE_OPT_H_
#define FUSE_OPT_H_

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One entry of an option table; a table ends with FUSE_OPT_END.
 *
 * Every entry whose template matches an argument is acted on, in table
 * order. What happens depends on offset and on the template:
 *  - offset is -1 (see FUSE_OPT_KEY): the processing function runs with
 *    'value' as its key;
 *  - the template carries a scanf conversion after '=' or ' ': the option's
 *    parameter is converted into the variable at 'data + offset' ("%s"
 *    stores a malloc'd copy and frees the pointer that was there before);
 *  - otherwise the int at 'data + offset' is set to 'value'.
 *
 * Template shapes:
 *  "-x", "--name"   the argument itself, exactly ("--" and "-o..." cannot
 *                   be templates: the parser handles them itself);
 *  "name"           an entry of a "-o a,b" list, exactly;
 *  "name=", "--n="  any value after the '=';
 *  "name=%u" ...    same, and convert the value;
 *  "-x "            "-xVALUE" or "-x" followed by a separate VALUE;
 *  "-x %s"          same, and convert the value.
 */
struct fuse_opt {
	/* Pattern to match, optionally with a conversion. */
	const char *templ;

	/* Where in 'data' to store, or -1U to call the processing function. */
	unsigned long offset;

	/* Int to store, or key for the processing function. */
	int value;
};

/* Entry that hands a match to the processing function as 'key'. */
#define FUSE_OPT_KEY(templ, key) { templ, -1U, key }

/* Terminator of an option table. */
#define FUSE_OPT_END { NULL, 0, 0 }

/* A NULL-terminated argument vector. */
struct fuse_args {
	/* Number of entries in argv, not counting the final NULL. */
	int argc;

	/* The arguments themselves. */
	char **argv;

	/* Nonzero when argv and its strings belong to us and can be freed. */
	int allocated;
};

/* Wrap a caller-owned vector, e.g. main()'s, without copying it. */
#define FUSE_ARGS_INIT(argc, argv) { argc, argv, 0 }

/* Key given to the processing function for an option no entry matched. */
#define FUSE_OPT_KEY_OPT     -1

/*
 * Key given for a non-option: an argument not starting with '-', or any
 * argument after "--".
 */
#define FUSE_OPT_KEY_NONOPT  -2

/* Entry key meaning "keep the argument" without calling the function. */
#define FUSE_OPT_KEY_KEEP -3

/* Entry key meaning "drop the argument" without calling the function. */
#define FUSE_OPT_KEY_DISCARD -4

/*
 * Processing function. Called for unmatched options (FUSE_OPT_KEY_OPT),
 * non-options (FUSE_OPT_KEY_NONOPT) and entries with offset -1 (their
 * key). 'arg' is the whole option with its parameter; "-x VALUE" given
 * as two arguments arrives joined as "-xVALUE", and list entries arrive
 * without the "-o". 'outargs' is the output vector built so far.
 * Return -1 to fail the parse, 0 to drop the argument, 1 to keep it.
 */
typedef int (*fuse_opt_proc_t)(void *data, const char *arg, int key,
			       struct fuse_args *outargs);

/*
 * Parse 'args' against 'opts' and replace it with the arguments that were
 * kept, all kept "-o" entries merged into one "-o" right after argv[0].
 * NULL args means nothing to parse, NULL opts an empty table, NULL proc a
 * function that always keeps. Returns 0, or -1 after logging an error, in
 * which case 'args' is left unchanged.
 */
int fuse_opt_parse(struct fuse_args *args, void *data,
		   const struct fuse_opt opts[], fuse_opt_proc_t proc);

/*
 * Append 'opt' to the comma-separated list in *opts (*opts may be NULL).
 * Returns 0, or -1 if out of memory.
 */
int fuse_opt_add_opt(char **opts, const char *opt);

/*
 * Like fuse_opt_add_opt(), but backslash-escapes ',' and '\' in 'opt' so
 * it survives being split again as one entry.
 */
int fuse_opt_add_opt_escaped(char **opts, const char *opt);

/* Append a copy of 'arg' to 'args'. Returns 0, or -1 if out of memory. */
int fuse_opt_add_arg(struct fuse_args *args, const char *arg);

/*
 * Insert a copy of 'arg' so that it becomes argv[pos]; handy to place
 * options before a "--". Returns 0, or -1 on failure.
 */
int fuse_opt_insert_arg(struct fuse_args *args, int pos, const char *arg);

/* Free what 'args' owns and reset it; the struct itself is not freed. */
void fuse_opt_free_args(struct fuse_args *args);

/* Return 1 if some entry of 'opts' matches 'opt', 0 if none does. */
int fuse_opt_match(const struct fuse_opt opts[], const char *opt);

#ifdef __cplusplus
}
#endif

#endif /* FUSE_OPT_H_ */
