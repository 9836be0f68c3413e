# run.d/build.sh: autogen, configure and make -- the build in place
# (build) and the other builds of the same sources in their own copy
# (build_variant: build-san/, build-fuzz/, the bench's release build).
# shellcheck shell=bash

# Configure flags from PAICHA_CONFIGURE_FLAGS (e.g. --enable-sanitizers);
# a change of them reconfigures.
read -ra CONFIGURE_FLAGS <<<"${PAICHA_CONFIGURE_FLAGS:-}"

# Whether the build in the current directory was configured with other
# flags than FLAGS... (or not at all).
configure_flags_changed() {
	local have want=''
	have=$(./config.status --config 2>/dev/null) || return 0
	if (($# > 0)); then
		want=$(printf "'%s' " "$@")
		want=${want% }
	fi
	[[ $have != "$want" ]]
}

# One build at a time in a checkout, whichever instance asked for it:
# the caller releases the lock (exec 8>&-) after its last make, and
# before it starts anything that would inherit fd 8.
build() {
	mkdir -p "$ROOT/var"
	exec 8>"$ROOT/var/.build.lock"
	flock -w 600 8 || die "another build holds $ROOT/var/.build.lock"
	if [[ ! -x configure || configure -ot configure.ac || configure -ot Makefile.am ]]; then
		quietly "./autogen.sh" 60 ./autogen.sh
	fi
	if [[ ! -f Makefile || ! -f config.status || config.status -ot configure ]] ||
	    configure_flags_changed "${CONFIGURE_FLAGS[@]}"; then
		quietly "./configure" 60 ./configure "${CONFIGURE_FLAGS[@]}"
	fi
	quietly "make" 0 make -j"$(nproc)"
	vendor_install
}

# Another build of the same sources in DIR (build-san/, build-fuzz/),
# configured with FLAGS, making TARGETS; under the build lock.  Autotools
# cannot build out of a tree that is also built in place, so DIR holds a
# copy of the sources -- tracked and new files, as git lists them --
# refreshed with their times kept, so make redoes only what changed.
build_variant() {
	local dir=$1 flags=$2
	shift 2
	local -a fl
	read -ra fl <<<"$flags"
	mkdir -p "$dir"
	git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
	    (cd "$ROOT" && tar --null -T - -cf -) | tar -xf - -C "$dir" ||
		die "could not copy the sources into $dir"
	(
		cd "$dir" || exit 1
		if [[ ! -x configure || configure -ot configure.ac || configure -ot Makefile.am ]]; then
			quietly "./autogen.sh in $dir" 60 ./autogen.sh
		fi
		if [[ ! -f Makefile || config.status -ot configure ]] ||
		    configure_flags_changed "${fl[@]}"; then
			quietly "./configure $flags in $dir" 60 ./configure "${fl[@]}"
		fi
		quietly "make $* in $dir" 0 make -j"$(nproc)" "$@"
	)
}
