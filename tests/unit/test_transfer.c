/* test_transfer.c - unit tests of skylapse-transfer's command lines and
 * state machine: shell and rsync -e quoting (checked by a real sh where it
 * matters), the pull and clean-up argv, the clean-up script run locally,
 * parsing rsync's itemized output, classifying failures, and every
 * transition of the state machine against a fake clock. */
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "cli.h"
#include "fsutil.h"
#include "rsync.h"
#include "settings.h"
#include "state.h"
#include "testutil.h"

static const struct rsync_opts remote = {
    .host = "helios.local",
    .user = "pi",
    .source = "~/skylapse-images/",
    .dest = "/data/images/helios",
    .port = 2222,
    .ssh_key = "/keys/my key",
    .known_hosts = "/etc/skylapse/known_hosts",
    .io_timeout_s = 120,
    .connect_timeout_s = 10,
};

/* Runs `sh -c 'printf %s <quoted>'` and returns what the shell made of it. */
static char *shell_roundtrip(const char *quoted)
{
	char cmd[1024];
	static char out[1024];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "printf %%s %s", quoted);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	return out;
}

static void test_shell_quote(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"/tmp/pi", "'/tmp/pi'"},
	    {"~/skylapse-images/", "~/'skylapse-images/'"},
	    {"~", "~"},
	    {"~/", "~/"},
	    {"~user/x", "'~user/x'"},
	    {"it's", "'it'\\''s'"},
	    {"a b", "'a b'"},
	    {"$(touch /tmp/owned)", "'$(touch /tmp/owned)'"},
	    {"`x` \"y\" ;z", "'`x` \"y\" ;z'"},
	};
	static const char *nasty[] = {"it's", "a  b", "$(id)", "`id`", "\"q\"", "x;y|z&w", "*?[a]"};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(shell_quote(cases[i].in, out, sizeof(out)), SL_OK);
		assert_string_equal(out, cases[i].out);
	}
	/* what the shell reads back is exactly the input */
	for (size_t i = 0; i < sizeof(nasty) / sizeof(nasty[0]); i++) {
		assert_int_equal(shell_quote(nasty[i], out, sizeof(out)), SL_OK);
		assert_string_equal(shell_roundtrip(out), nasty[i]);
	}
	assert_int_equal(shell_quote("abcdef", out, 5), SL_ERR_RANGE);
}

static void test_rsync_e_quote(void **state)
{
	static const struct {
		const char *in, *out;
		int rc;
	} cases[] = {
	    {"/keys/id", "/keys/id", SL_OK},
	    {"/keys/my key", "'/keys/my key'", SL_OK},
	    {"/keys/bob's key", "\"/keys/bob's key\"", SL_OK},
	    {"/keys/\"quoted\"", "'/keys/\"quoted\"'", SL_OK},
	    {"/keys/both'\"", NULL, SL_ERR_INVAL},
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(rsync_e_quote(cases[i].in, out, sizeof(out)), cases[i].rc);
		if (cases[i].out)
			assert_string_equal(out, cases[i].out);
	}
	assert_int_equal(rsync_e_quote("/a/long/path", out, 4), SL_ERR_RANGE);
}

static void test_ssh_command(void **state)
{
	struct rsync_opts o = remote;
	char out[1024];

	(void)state;
	assert_int_equal(rsync_ssh_command(&o, out, sizeof(out)), SL_OK);
	assert_string_equal(out, "ssh -p2222 -i '/keys/my key' -o IdentitiesOnly=yes -o "
				 "UserKnownHostsFile=/etc/skylapse/known_hosts -o BatchMode=yes "
				 "-o ConnectTimeout=10 -o ServerAliveInterval=15 -o "
				 "ServerAliveCountMax=4");
	/* without a key or known-hosts file, ssh's defaults (the seed's ssh-copy-id) */
	o.ssh_key = "";
	o.known_hosts = NULL;
	o.port = 22;
	assert_int_equal(rsync_ssh_command(&o, out, sizeof(out)), SL_OK);
	assert_string_equal(out, "ssh -p22 -o BatchMode=yes -o ConnectTimeout=10 -o "
				 "ServerAliveInterval=15 -o ServerAliveCountMax=4");
}

static void assert_argv(const struct argv_list *a, const char *const *want)
{
	int i;

	for (i = 0; want[i]; i++) {
		assert_true(i < a->n);
		assert_string_equal(a->v[i], want[i]);
	}
	assert_int_equal(i, a->n);
	assert_null(a->v[a->n]);
}

static void test_pull_argv(void **state)
{
	struct rsync_opts o = remote;
	struct argv_list a;
	char ecmd[1024];
	const char *want_remote[] = {"rsync",
				     "-rt",
				     "-ii",
				     "--out-format=%i %l %n",
				     "--exclude=.*",
				     "--partial-dir=.rsync-partial",
				     "--timeout=120",
				     "--bwlimit=500",
				     "-e",
				     ecmd,
				     "--",
				     "pi@helios.local:~/skylapse-images/",
				     "/data/images/helios/",
				     NULL};
	const char *want_local[] = {"rsync",
				    "-rt",
				    "-ii",
				    "--out-format=%i %l %n",
				    "--exclude=.*",
				    "--partial-dir=.rsync-partial",
				    "--timeout=120",
				    "--",
				    "/home/pi/frames/",
				    "/srv/cam/",
				    NULL};

	(void)state;
	o.bwlimit_kbps = 500;
	assert_int_equal(rsync_ssh_command(&o, ecmd, sizeof(ecmd)), SL_OK);
	assert_int_equal(rsync_pull_argv(&o, false, &a), SL_OK);
	assert_argv(&a, want_remote);
	argv_list_free(&a);
	assert_null(a.v);

	o = (struct rsync_opts){
	    .host = "local", .source = "~/frames", .dest = "/srv/cam", .io_timeout_s = 120};
	setenv("HOME", "/home/pi", 1);
	assert_int_equal(rsync_pull_argv(&o, false, &a), SL_OK);
	assert_argv(&a, want_local);
	argv_list_free(&a);

	/* announced-only: the paths come on stdin, missing ones are no error */
	o = remote;
	assert_int_equal(rsync_pull_argv(&o, true, &a), SL_OK);
	assert_string_equal(a.v[7], "--files-from=-");
	assert_string_equal(a.v[8], "--ignore-missing-args");
	assert_string_equal(a.v[a.n - 1], "/data/images/helios/");
	argv_list_free(&a);

	/* IPv6 literals are bracketed for rsync; no user means ssh's default */
	o = remote;
	o.host = "fe80::1";
	o.user = "";
	assert_int_equal(rsync_pull_argv(&o, false, &a), SL_OK);
	assert_string_equal(a.v[a.n - 2], "[fe80::1]:~/skylapse-images/");
	argv_list_free(&a);
	argv_list_free(&a); /* freeing twice is fine */
}

static void test_clean_argv_remote(void **state)
{
	struct rsync_opts o = remote;
	struct argv_list a;

	(void)state;
	o.source = "~/sky images/it's";
	assert_int_equal(rsync_clean_argv(&o, &a), SL_OK);
	assert_string_equal(a.v[0], "ssh");
	assert_string_equal(a.v[a.n - 3], "-T");
	assert_string_equal(a.v[a.n - 2], "pi@helios.local");
	/* the folder reaches the remote shell quoted, ~ left for it to expand */
	assert_non_null(strstr(a.v[a.n - 1], "cd ~/'sky images/it'\\''s' || exit 3\n"));
	argv_list_free(&a);
}

/* The clean-up script, run by a real sh on a temporary "Pi" folder. */
static void test_clean_script_runs(void **state)
{
	const char *dir = *state;
	char path[512], out[1024];
	const char *list = "profile-a/2026-01-01/capture_20260101_000000_000.jpg\n"
			   "profile-a/2026-01-01/capture_20260101_000000_000.json\n"
			   "profile-a/2026-01-02/capture_20260102_000000_000.jpg\n"
			   "profile-a/2026-01-01/\n"
			   "profile-a/2026-01-02/\n";
	struct rsync_opts o = {.host = "local", .dest = "/unused"};
	int in[2], outp[2], st;
	struct argv_list a;
	struct stat sb;
	ssize_t n, got = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/profile-a/2026-01-01", dir);
	assert_int_equal(system(NULL) != 0, 1);
	snprintf(out, sizeof(out), "mkdir -p %s/profile-a/2026-01-01 %s/profile-a/2026-01-02", dir,
		 dir);
	assert_int_equal(system(out), 0);
	snprintf(path, sizeof(path), "%s/profile-a/2026-01-01/capture_20260101_000000_000.jpg",
		 dir);
	assert_int_equal(file_write_atomic(path, "x", 1), 0);
	snprintf(path, sizeof(path), "%s/profile-a/2026-01-01/capture_20260101_000000_000.json",
		 dir);
	assert_int_equal(file_write_atomic(path, "{}", 2), 0);
	snprintf(path, sizeof(path), "%s/profile-a/2026-01-02/keep.jpg", dir);
	assert_int_equal(file_write_atomic(path, "y", 1), 0);
	o.source = dir;
	assert_int_equal(rsync_clean_argv(&o, &a), SL_OK);
	assert_string_equal(a.v[0], "sh");
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(outp), 0);
	assert_int_equal(write(in[1], list, strlen(list)), (ssize_t)strlen(list));
	close(in[1]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		execvp("sh", a.v);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	while ((n = read(outp[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(outp[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* every listed file is reported, the missing one too (it is gone) */
	assert_string_equal(out, "profile-a/2026-01-01/capture_20260101_000000_000.jpg\n"
				 "profile-a/2026-01-01/capture_20260101_000000_000.json\n"
				 "profile-a/2026-01-02/capture_20260102_000000_000.jpg\n");
	snprintf(path, sizeof(path), "%s/profile-a/2026-01-01", dir);
	assert_int_equal(stat(path, &sb), -1); /* emptied: removed */
	snprintf(path, sizeof(path), "%s/profile-a/2026-01-02/keep.jpg", dir);
	assert_int_equal(stat(path, &sb), 0); /* not listed: kept, and so its folder */
	argv_list_free(&a);
}

static void test_opts_check(void **state)
{
	static const struct {
		const char *host, *user, *source, *key, *kh;
		int rc;
	} cases[] = {
	    {"helios.local", "pi", "~/skylapse-images/", "", "", SL_OK},
	    {"192.168.0.124", "", "/srv/x", "/k/id", "/k/kh", SL_OK},
	    {"local", "", "/srv/x", NULL, NULL, SL_OK},
	    {"", "pi", "/x", NULL, NULL, SL_ERR_INVAL},
	    {"-oProxyCommand=id", "pi", "/x", NULL, NULL, SL_ERR_INVAL},
	    {"a b", "pi", "/x", NULL, NULL, SL_ERR_INVAL},
	    {"helios", "pi;id", "/x", NULL, NULL, SL_ERR_INVAL},
	    {"helios", "-l", "/x", NULL, NULL, SL_ERR_INVAL},
	    {"helios", "pi", "-x", NULL, NULL, SL_ERR_INVAL},
	    {"helios", "pi", "", NULL, NULL, SL_ERR_INVAL},
	    {"helios", "pi", "/x", "/k/'\"", NULL, SL_ERR_INVAL},
	    {"helios", "pi", "/x", NULL, "/k/known hosts", SL_ERR_INVAL},
	};
	char why[ERRMSG_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rsync_opts o = {cases[i].host,
				       cases[i].user,
				       cases[i].source,
				       "/d",
				       22,
				       cases[i].key,
				       cases[i].kh,
				       0,
				       10,
				       10};

		why[0] = '\0';
		assert_int_equal(rsync_opts_check(&o, why), cases[i].rc);
		assert_true(cases[i].rc == SL_OK || why[0] != '\0');
	}
}

static void test_parse_item(void **state)
{
	static const struct {
		const char *line;
		int rc;
		char type;
		bool received;
		long long size;
		const char *name;
	} cases[] = {
	    {">f+++++++++ 1000 profile-a/2026-01-01/capture_x.jpg", SL_OK, 'f', true, 1000,
	     "profile-a/2026-01-01/capture_x.jpg"},
	    {".f          3 profile-a/x.json", SL_OK, 'f', false, 3, "profile-a/x.json"},
	    {">f.st...... 20 a name with spaces.jpg", SL_OK, 'f', true, 20,
	     "a name with spaces.jpg"},
	    {"cd+++++++++ 4096 profile-a/", SL_OK, 'd', false, 4096, "profile-a/"},
	    {"Created directory /srv/x", SL_ERR_PARSE, 0, false, 0, NULL},
	    {"", SL_ERR_PARSE, 0, false, 0, NULL},
	    {">f+++++++++ x12 name", SL_ERR_PARSE, 0, false, 0, NULL},
	    {">f+++++++++ 12", SL_ERR_PARSE, 0, false, 0, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rsync_item it = {0};

		assert_int_equal(rsync_parse_item(cases[i].line, &it), cases[i].rc);
		if (cases[i].rc != SL_OK)
			continue;
		assert_int_equal(it.type, cases[i].type);
		assert_int_equal(it.received, cases[i].received);
		assert_int_equal(it.size, cases[i].size);
		assert_string_equal(it.name, cases[i].name);
	}
}

static void test_classify(void **state)
{
	static const struct {
		int code;
		const char *err;
		enum xfer_error kind;
		const char *why_has;
	} cases[] = {
	    {0, "", XERR_NONE, ""},
	    {24, "file has vanished: x", XERR_NONE, ""},
	    {255,
	     "ssh: connect to host 127.0.0.1 port 2: Connection refused\n"
	     "rsync: connection unexpectedly closed (0 bytes received so far) [Receiver]\n",
	     XERR_UNREACHABLE, "Pi unreachable: ssh: connect to host 127.0.0.1 port 2: Connection"},
	    {255, "ssh: Could not resolve hostname nope: Name or service not known\n",
	     XERR_UNREACHABLE, "Could not resolve"},
	    {255, "root@127.0.0.1: Permission denied (publickey).\n", XERR_AUTH, "SSH_KEY"},
	    {255, "Host key verification failed.\n", XERR_HOSTKEY, "host key"},
	    {11, "rsync: [receiver] write failed on \"/srv/x\": No space left on device (28)\n",
	     XERR_DISK_FULL, "server disk full"},
	    {23, "rsync: [sender] change_dir \"/home/pi/nope\" failed: No such file or directory",
	     XERR_NO_SOURCE, "PI_SOURCE"},
	    {12, "bash: line 1: rsync: command not found\n", XERR_COMMAND, "not installed"},
	    {143, "", XERR_INTERRUPTED, "signal 15"},
	    {5, "rsync: something odd\n", XERR_COMMAND, "exit code 5: rsync: something odd"},
	};
	char why[ERRMSG_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(rsync_classify(cases[i].code, cases[i].err, why), cases[i].kind);
		assert_non_null(strstr(why, cases[i].why_has));
	}
	assert_string_equal(xfer_error_kind(XERR_DISK_FULL), "no_space");
	assert_string_equal(xfer_error_kind(XERR_HOSTKEY), "denied");
	assert_string_equal(xfer_error_kind(XERR_UNREACHABLE), "unreachable");
}

/* --- the state machine ------------------------------------------------------ */

static const struct xfer_timing timing = {
    .interval_ms = 300000, .batch_ms = 1000, .backoff_min_ms = 2000, .backoff_max_ms = 30000};

static void test_sm_cycle(void **state)
{
	struct xfer_sm sm;

	(void)state;
	state_init(&sm, &timing, true, 1000);
	assert_int_equal(sm.state, XFER_IDLE);
	assert_true(state_sync_due(&sm, 1000)); /* catch up at start, */
	assert_true(state_full_due(&sm, 1000)); /* with a full listing */
	assert_int_equal(state_begin_sync(&sm, true, 1000), SL_OK);
	assert_int_equal(sm.state, XFER_SYNCING);
	assert_int_equal(state_wait_ms(&sm, 1000), -1); /* one sync at a time */
	assert_int_equal(state_sync_done(&sm, true, 5000), SL_OK);
	assert_int_equal(sm.state, XFER_VERIFYING);
	assert_int_equal(state_verify_done(&sm, false, 6000), SL_OK);
	assert_int_equal(sm.state, XFER_CLEANING);
	assert_int_equal(state_clean_done(&sm, true, 7000), SL_OK);
	assert_int_equal(sm.state, XFER_IDLE);
	/* next by the interval, counted from the start of the last sync */
	assert_int_equal(state_wait_ms(&sm, 7000), 300000 + 1000 - 7000);
	assert_false(state_full_due(&sm, 7000));
	assert_true(state_full_due(&sm, 301000));
	assert_false(state_sync_due(&sm, 300999));
	assert_true(state_sync_due(&sm, 301000));
	assert_string_equal(state_name(sm.state), "idle");
}

static void test_sm_wrong_transitions(void **state)
{
	static const enum xfer_state all[] = {XFER_IDLE,     XFER_SYNCING, XFER_VERIFYING,
					      XFER_CLEANING, XFER_BACKOFF, XFER_DISABLED,
					      XFER_STOPPED};
	struct xfer_sm sm;

	(void)state;
	state_init(&sm, &timing, true, 0);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		sm.state = all[i];
		assert_int_equal(state_begin_sync(&sm, true, 0) == SL_OK,
				 all[i] == XFER_IDLE || all[i] == XFER_BACKOFF);
		sm.state = all[i];
		assert_int_equal(state_sync_done(&sm, true, 0) == SL_OK, all[i] == XFER_SYNCING);
		sm.state = all[i];
		assert_int_equal(state_verify_done(&sm, false, 0) == SL_OK,
				 all[i] == XFER_VERIFYING);
		sm.state = all[i];
		assert_int_equal(state_clean_done(&sm, true, 0) == SL_OK,
				 all[i] == XFER_CLEANING);
	}
	sm.state = XFER_CLEANING;
	assert_int_equal(state_sync_done(&sm, true, 0), SL_ERR_INVAL);
	assert_int_equal(sm.state, XFER_CLEANING); /* unchanged */
}

static void test_sm_announcements_batch(void **state)
{
	struct xfer_sm sm;

	(void)state;
	state_init(&sm, &timing, true, 0);
	state_begin_sync(&sm, true, 0);
	state_sync_done(&sm, true, 100);
	state_verify_done(&sm, false, 100);
	state_clean_done(&sm, true, 100);
	/* a burst: the first announcement starts the batching delay, the others ride along */
	state_announce(&sm, 10000);
	state_announce(&sm, 10400);
	state_announce(&sm, 10900);
	assert_int_equal(state_wait_ms(&sm, 10900), 100);
	assert_true(state_sync_due(&sm, 11000));
	assert_false(state_full_due(&sm, 11000)); /* only what was announced */
	assert_int_equal(state_begin_sync(&sm, false, 11000), SL_OK);
	assert_false(sm.pending);
	/* announced during the sync: the next cycle starts as soon as this one ends */
	state_announce(&sm, 11500);
	assert_int_equal(state_wait_ms(&sm, 11500), -1);
	state_sync_done(&sm, true, 13000);
	state_verify_done(&sm, false, 13000);
	state_clean_done(&sm, true, 13000);
	assert_true(state_sync_due(&sm, 13000));
	state_begin_sync(&sm, false, 13000);
	state_sync_done(&sm, true, 14000);
	state_verify_done(&sm, false, 14000);
	state_clean_done(&sm, true, 14000);
	/* announced-only syncs leave the full one where it was */
	assert_int_equal(state_wait_ms(&sm, 14000), 300000 - 14000);
}

static void test_sm_backoff(void **state)
{
	static const int64_t want[] = {2000, 4000, 8000, 16000, 30000, 30000};
	struct xfer_sm sm;
	int64_t now = 0;

	(void)state;
	state_init(&sm, &timing, true, 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_true(state_sync_due(&sm, now));
		assert_int_equal(state_begin_sync(&sm, true, now), SL_OK);
		assert_int_equal(state_sync_done(&sm, false, now), SL_OK);
		assert_int_equal(sm.state, XFER_BACKOFF);
		assert_int_equal(sm.failures, (int)i + 1);
		assert_int_equal(state_wait_ms(&sm, now), want[i]);
		assert_true(state_full_due(&sm, now)); /* catching up lists everything */
		/* announcements do not hurry a back-off */
		state_announce(&sm, now);
		assert_int_equal(state_wait_ms(&sm, now), want[i]);
		now += want[i];
	}
	/* a failed clean-up backs off too; a full cycle resets the count */
	state_begin_sync(&sm, true, now);
	state_sync_done(&sm, true, now);
	state_verify_done(&sm, false, now);
	assert_int_equal(state_clean_done(&sm, false, now), SL_OK);
	assert_int_equal(sm.state, XFER_BACKOFF);
	assert_int_equal(sm.failures, 7);
	now += 30000;
	state_begin_sync(&sm, true, now);
	state_sync_done(&sm, true, now);
	state_verify_done(&sm, false, now);
	state_clean_done(&sm, true, now);
	assert_int_equal(sm.failures, 0);
	assert_int_equal(state_backoff_ms(&timing, 1), 2000);
}

static void test_sm_resync_disabled_stop(void **state)
{
	struct xfer_sm sm;

	(void)state;
	state_init(&sm, &timing, true, 0);
	state_begin_sync(&sm, true, 0);
	state_sync_done(&sm, true, 10);
	/* bad copies removed: fetch again, fully, right after this cycle */
	state_verify_done(&sm, true, 20);
	state_clean_done(&sm, true, 30);
	assert_true(state_sync_due(&sm, 30));
	assert_true(state_full_due(&sm, 30));
	state_begin_sync(&sm, true, 30);
	assert_false(state_full_due(&sm, 30));

	state_init(&sm, &timing, false, 0);
	assert_int_equal(sm.state, XFER_DISABLED);
	assert_int_equal(state_wait_ms(&sm, 0), -1);
	assert_int_equal(state_begin_sync(&sm, true, 0), SL_ERR_INVAL);
	state_stop(&sm);
	assert_int_equal(sm.state, XFER_STOPPED);
	assert_false(state_sync_due(&sm, 1000000));
	assert_string_equal(state_name(XFER_STOPPED), "stopped");
	assert_string_equal(state_name((enum xfer_state)99), "unknown");
}

/* --- the transfer's own settings ----------------------------------------- */

/* Defaults, then the environment, then a flag; bad values refused by name. */
static void test_settings(void **state)
{
	struct cli cli = {.config_path = SOURCE_ROOT "/config/config.json"};
	struct transfer_settings s, old;
	struct config c;

	(void)state;
	unsetenv("PI_SSH_PORT");
	unsetenv("TRANSFER_ENABLED");
	unsetenv("DELETE_AFTER_DAYS");
	setenv("TRANSFER_INTERVAL_MINUTES", "7", 1);
	setenv("SSH_KEY", "/env/key", 1);
	assert_int_equal(cli_load_config(&cli, "t", &c, transfer_settings_load, &s), 0);
	assert_int_equal(s.pi_ssh_port, 22);
	assert_true(s.enabled);
	assert_true(s.delete_after_days == 1);
	assert_int_equal(s.interval_minutes, 7);
	assert_string_equal(s.ssh_key, "/env/key");
	config_free(&c);
	old = s;
	cli_flag(&cli, "SSH_KEY", "/flag/key");
	setenv("PI_SSH_PORT", "2222", 1);
	setenv("TRANSFER_ENABLED", "no", 1);
	setenv("DELETE_AFTER_DAYS", "0.5", 1);
	assert_int_equal(cli_load_config(&cli, "t", &c, transfer_settings_load, &s), 0);
	assert_string_equal(s.ssh_key, "/flag/key");
	assert_int_equal(s.pi_ssh_port, 2222);
	assert_false(s.enabled);
	assert_true(s.delete_after_days == 0.5);
	/* the key, the port and the switch need a restart; the ages do not */
	assert_int_equal(transfer_settings_restart_needed(&old, &s), 3);
	config_free(&c);
	setenv("PI_SSH_PORT", "0", 1);
	setenv("TRANSFER_ENABLED", "maybe", 1);
	setenv("DELETE_AFTER_DAYS", "-1", 1);
	{
		struct config_problems p;

		assert_int_equal(config_load(&c, cli.config_path, &cli.flags, &p), 0);
		transfer_settings_load(&c, &s, &p);
		assert_int_equal(p.errors, 3);
		assert_true(has_problem(&p, "env PI_SSH_PORT: '0' is not an integer in 1..65535"));
		assert_true(has_problem(&p, "env TRANSFER_ENABLED: 'maybe' is not true or false"));
		assert_true(has_problem(&p, "env DELETE_AFTER_DAYS: '-1' is not a number"));
		config_free(&c);
	}
	assert_int_equal(cli_load_config(&cli, "t", &c, transfer_settings_load, &s), 1);
	config_free(&c);
	unsetenv("PI_SSH_PORT");
	unsetenv("TRANSFER_ENABLED");
	unsetenv("DELETE_AFTER_DAYS");
	unsetenv("TRANSFER_INTERVAL_MINUTES");
	unsetenv("SSH_KEY");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shell_quote),
	    cmocka_unit_test(test_rsync_e_quote),
	    cmocka_unit_test(test_ssh_command),
	    cmocka_unit_test(test_pull_argv),
	    cmocka_unit_test(test_clean_argv_remote),
	    cmocka_unit_test_setup_teardown(test_clean_script_runs, dir_setup, dir_teardown),
	    cmocka_unit_test(test_opts_check),
	    cmocka_unit_test(test_parse_item),
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_sm_cycle),
	    cmocka_unit_test(test_sm_wrong_transitions),
	    cmocka_unit_test(test_sm_announcements_batch),
	    cmocka_unit_test(test_sm_backoff),
	    cmocka_unit_test(test_sm_resync_disabled_stop),
	    cmocka_unit_test(test_settings),
	};

	return cmocka_run_group_tests_name("transfer", tests, NULL, NULL);
}
