#!/bin/sh
# check-sql-constants.sh: no SQL is built from strings at run time.
#
# Every libpq call in fcgi/ that takes SQL -- PQexec, PQexecParams,
# PQprepare, PQsendQuery, PQsendQueryParams, PQsendPrepare, PQdescribe* --
# must get it as
#
#   - a string literal (adjacent literals joined);
#   - the .sql of a struct stmt (NAME->sql, NAME.sql, q[i].s->sql), where
#     every struct stmt in fcgi/ is `static struct stmt NAME =
#     STMT("literal", n)` (or STMT_CUSTOM) and nothing ever assigns to a
#     .sql;
#   - NULL, for a callee that then sends no statement (db_pipeline's
#     optional BEGIN);
#   - a name declared `static const char NAME[] = "literal"` or
#     `... *const NAME = "literal"` in the same file; or
#   - a parameter of the enclosing function whose every call in fcgi/
#     passes one of the above (db_command(r, "BEGIN")).
#
# One exception, by name: db.c's snapshot_import() may PQexec the
# SET TRANSACTION SNAPSHOT it makes -- the command takes no parameter,
# and its one value is the server's own name for a snapshot, checked
# there to have that name's exact form.
#
# PQexecPrepared and PQsendQueryPrepared run a statement by name: only
# db.c may call them, on the statements it prepared from struct stmts.
#
# It first proves it can fail on a file that pastes SQL together, then
# checks fcgi/.  Perl is part of every Debian system (perl-base).
set -u
srcdir=${srcdir:-.}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

check() {
	perl -e '
use strict;
use warnings;

my %sqlarg = (PQexec => 1, PQexecParams => 1, PQsendQuery => 1,
    PQsendQueryParams => 1, PQprepare => 2, PQsendPrepare => 2,
    PQdescribePrepared => -1, PQdescribePortal => -1);
my %byname = (PQexecPrepared => 1, PQsendQueryPrepared => 1);
my (%text, %consts, $bad);

# Read each file; comments out, each string literal (and each run of
# adjacent ones) replaced by the token STR.
for my $f (@ARGV) {
	open my $fh, "<", $f or die "$f: $!";
	local $/;
	my $s = <$fh>;
	$s =~ s{/\*.*?\*/}{ }gs;
	$s =~ s{//[^\n]*}{}g;
	$s =~ s{"(?:[^"\\\n]|\\.)*"}{STR}g;
	$s =~ s{'"'"'(?:[^'"'"'\\\n]|\\.)*'"'"'}{CHR}g;
	# Adjacent literals are one; the lines between them stay (line numbers).
	1 while $s =~ s{STR(\s+)STR}{"STR" . ("\n" x ($1 =~ tr/\n//))}ge;
	# Macros that stand for a literal are one: #define COLUMNS "a, b",
	# and #define IN(col) " " col " >= x" when called with literals.
	# They are read from a copy with continuation lines joined; in the
	# code itself each directive becomes as many empty lines.
	(my $j = $s) =~ s{\\\n}{ }g;
	my (%lit, %fn);
	for (;;) {
		my $more = 0;
		while ($j =~ /^[ \t]*#[ \t]*define[ \t]+(\w+)(\(([^)]*)\))?[ \t]*([^\n]*)$/mg) {
			my ($n, $isfn, $params, $b) = ($1, $2, $3, $4);
			next if $lit{$n} || $fn{$n};
			my %p = map { s/^\s+|\s+$//gr => 1 } split /,/, ($params // "");
			$b =~ s/\b(\w+)\b/($isfn && $p{$1}) || $lit{$1} ? "STR" : $1/ge;
			$b =~ s/\b(\w+)\s*\(\s*STR\s*(?:,\s*STR\s*)*\)/$fn{$1} ? "STR" : $&/ge;
			1 while $b =~ s{STR\s+STR}{STR}g;
			next unless $b =~ /^\s*\(?\s*STR\s*\)?\s*$/;
			if ($isfn) { $fn{$n} = 1 } else { $lit{$n} = 1 }
			$more = 1;
		}
		last unless $more;
	}
	$s =~ s{^[ \t]*#(?:[^\n]*\\\n)*[^\n]*}{"\n" x ($& =~ tr/\n//)}mge;
	for (;;) {
		my $before = $s;
		$s =~ s/\b(\w+)\b/$lit{$1} ? "STR" : $1/ge;
		$s =~ s/\b(\w+)\s*\(\s*STR\s*(?:,\s*STR\s*)*\)/$fn{$1} ? "STR" : $&/ge;
		1 while $s =~ s{STR(\s+)STR}{"STR" . ("\n" x ($1 =~ tr/\n//))}ge;
		last if $s eq $before;
	}
	$text{$f} = $s;
	while ($s =~ /static\s+const\s+char\s+(?:\*\s*const\s+)?(\w+)\s*(?:\[\s*\])?\s*=\s*STR\s*;/g) {
		$consts{$f}{$1} = 1;
	}
}

# The arguments of the call whose "(" is at $pos in $s.
sub args {
	my ($s, $pos) = @_;
	my ($depth, $cur, @a) = (0, "");
	for my $i ($pos + 1 .. length($s) - 1) {
		my $c = substr($s, $i, 1);
		if ($c eq "(") { $depth++ }
		elsif ($c eq ")") {
			if ($depth == 0) { push @a, $cur; last }
			$depth--;
		} elsif ($c eq "," && $depth == 0) { push @a, $cur; $cur = ""; next }
		$cur .= $c;
	}
	s/^\s+|\s+$//g for @a;
	return @a;
}

# The function around offset $pos: its name and parameter names.
sub enclosing {
	my ($s, $pos) = @_;
	my $head = substr($s, 0, $pos);
	my ($name, $params);
	while ($head =~ /\n(\w+)\s*\(([^()]*)\)\s*\{/g) {
		($name, $params) = ($1, $2);
	}
	return (undef, ()) unless defined $name;
	my @p = map { /(\w+)\s*(?:\[\s*\])?\s*$/ ? $1 : () } split /,/, $params;
	return ($name, @p);
}

sub literal_ok {
	my ($f, $x) = @_;
	return 1 if $x eq "STR";
	return 1 if $x eq "NULL";	# no statement: the callee sends none
	return 1 if $x =~ /^\w+(?:\s*\[\s*\w+\s*\])?(?:\s*(?:->|\.)\s*\w+)*\s*(?:->|\.)\s*sql$/;
	return 1 if $x =~ /^\w+$/ && $consts{$f}{$x};
	return 0;
}

sub fail { print "$_[0]\n"; $bad = 1 }

# Whether every call of $func passes a constant as argument $k (the SQL
# of $fn) -- or a parameter of its own caller, whose calls do, and so on
# a few levels up (db_command(r, begin) inside db_begin_with).  Reports
# each call that does not; false when there is no call at all.
sub callers_ok {
	my ($func, $k, $fn, $depth) = @_;
	my ($calls, $ok) = (0, 1);
	for my $g (sort keys %text) {
		my $t = $text{$g};
		while ($t =~ /\b\Q$func\E\s*\(/g) {
			my ($at, $o) = ($-[0], $+[0] - 1);
			next if $at > 0 && substr($t, $at - 1, 1) =~ /\w/;
			my @ca = args($t, $o);
			my $a = $ca[$k] // "";
			next if $a =~ /\b(?:const\s+)?char\b/;	# the definition
			$calls++;
			next if literal_ok($g, $a);
			my ($up, @upp) = enclosing($t, $at);
			if ($depth < 4 && $a =~ /^\w+$/ && defined $up &&
			    grep { $_ eq $a } @upp) {
				my ($uk) = grep { $upp[$_] eq $a } 0 .. $#upp;
				next if callers_ok($up, $uk, $fn, $depth + 1);
			}
			fail("$g:" . (1 + (substr($t, 0, $o) =~ tr/\n//)) .
			    ": $func() passes \"$a\" as the SQL of $fn");
			$ok = 0;
		}
	}
	return $calls > 0 && $ok;
}

for my $f (sort keys %text) {
	my $s = $text{$f};
	my $line = sub { 1 + (substr($s, 0, $_[0]) =~ tr/\n//) };
	while ($s =~ /\b(PQ\w+)\s*\(/g) {
		my ($fn, $at) = ($1, $-[0]);
		my $open = $+[0] - 1;
		if ($byname{$fn}) {
			fail("$f:" . $line->($at) . ": $fn outside db.c")
			    unless $f =~ m{(^|/)db\.c$};
			next;
		}
		next unless exists $sqlarg{$fn};
		if ($sqlarg{$fn} < 0) { next }
		my @a = args($s, $open);
		my $x = $a[$sqlarg{$fn}] // "";
		next if literal_ok($f, $x);
		my ($func, @params) = enclosing($s, $at);
		next if $fn eq "PQexec" && $f =~ m{(^|/)fcgi/front/db\.c$} &&
		    defined $func && $func eq "snapshot_import";
		if ($x =~ /^\w+$/ && defined $func && grep { $_ eq $x } @params) {
			my ($k) = grep { $params[$_] eq $x } 0 .. $#params;
			next if callers_ok($func, $k, $fn, 0);
		}
		fail("$f:" . $line->($at) . ": $fn takes SQL \"$x\", not a constant");
	}
	# Statements: static, from STMT with a literal; .sql never assigned.
	while ($s =~ /\bstruct\s+stmt\s+(\w+)\s*=\s*([^;]*);/g) {
		my ($n, $init, $at) = ($1, $2, $-[0]);
		my $pre = substr($s, 0, $at);
		fail("$f:" . $line->($at) . ": struct stmt $n is not static")
		    unless $pre =~ /\bstatic\s*$/;
		fail("$f:" . $line->($at) . ": struct stmt $n is not STMT(\"...\", n)")
		    unless $init =~ /^STMT(?:_CUSTOM)?\s*\(\s*STR\s*,/;
	}
	while ($s =~ /\bSTMT(?:_CUSTOM)?\s*\(([^,]*),/g) {
		my ($x, $at) = ($1, $-[0]);
		$x =~ s/^\s+|\s+$//g;
		next if $x eq "STR";
		fail("$f:" . $line->($at) . ": STMT(\"$x\") is not a literal");
	}
	while ($s =~ /(?:->|\.)\s*sql\s*=[^=]/g) {
		fail("$f:" . $line->($-[0]) . ": assigns to .sql");
	}
}
exit($bad ? 1 : 0);
' "$@"
}

# 1. The check can fail.
cat > "$tmp/bad.c" <<'EOF'
#define COL(c) " " c " = 1"
static const char *table = "cases";
static void
bad(PGconn *c, const char *id, char *buf)
{
	struct stmt dyn = STMT(buf, 0);
	static struct stmt ok = STMT("SELECT 1" COL("a"), 0);
	static struct stmt col = STMT("SELECT 1 WHERE" COL(id), 0);
	static struct stmt cus = STMT_CUSTOM(id, 0);

	snprintf(buf, 100, "SELECT * FROM %s WHERE id = %s", table, id);
	PQexec(c, buf);
	PQexecParams(c, table, 0, NULL, NULL, NULL, NULL, 0);
	PQprepare(c, "x", buf, 0, NULL);
	PQexecPrepared(c, "x", 0, NULL, NULL, NULL, 0);
	ok.sql = buf;
	run(c, buf);
}
static void
run(PGconn *c, const char *sql)
{
	PQexec(c, sql);
}
EOF
check "$tmp/bad.c" > "$tmp/bad.out"
for want in 'PQexec takes SQL "buf"' 'PQexecParams takes SQL "table"' \
    'PQprepare takes SQL "buf"' 'PQexecPrepared outside db.c' \
    'assigns to .sql' 'struct stmt dyn is not static' \
    'run() passes "buf"' 'STMT("STR COL(id)")' 'STMT("id") is not a literal'; do
	if ! grep -qF "$want" "$tmp/bad.out"; then
		echo "self-test: the check did not report: $want" >&2
		cat "$tmp/bad.out" >&2
		exit 1
	fi
done

# 2. The service: every layer's files (fcgi/ and its folders).
files=$(find "$srcdir"/fcgi -name '*.[ch]' | sort)
# shellcheck disable=SC2086
if ! check $files; then
	echo "SQL built at run time (see above): use a static struct stmt" >&2
	exit 1
fi
# shellcheck disable=SC2086
n=$(cat $files | grep -cE 'STMT(_CUSTOM)?\(')
echo "every libpq call in fcgi/ takes constant SQL ($n statements)"
exit 0
