LIB_SRCS += $(wildcard common/*.c) $(B)/gen/common/version_git.c

# The build's `git describe`, rewritten only when it changes (so a commit or an
# edit that makes the tree dirty re-links hvtrace, and nothing else does).
$(B)/gen/common/version_git.c: FORCE
	@mkdir -p $(dir $@)
	@d=$$(git describe --always --dirty 2>/dev/null || echo unknown); \
	 printf 'const char hvt_build_git[] = "%s";\n' "$$d" > $@.tmp; \
	 if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
.PHONY: FORCE
FORCE:
