# db/: the run file.  Library sources are db/*.c plus the schema, embedded at
# build time as C text generated from db/schema.sql (the one copy of the schema;
# its `PRAGMA user_version = N` line also gives rundb_schema_version).
LIB_SRCS += $(wildcard db/*.c) $(B)/gen/db/schema_sql.c

$(B)/gen/db/schema_sql.c: db/schema.sql db/module.mk
	@mkdir -p $(dir $@)
	awk -f db/embed.awk $< > $@.tmp && mv $@.tmp $@

# SQLite loadable extension for people reading runs with the sqlite3 shell:
#   sqlite3 run.db '.load build/hvtrace-sqlite' 'SELECT * FROM steps_hex LIMIT 20'
# Built from position-independent objects of its own (the library's are not PIC).
DB_EXT_SRCS := db/ext/hvtrace_ext.c db/stepcodec.c common/cpu_state.c common/hvt_error.c
DB_EXT_OBJS := $(DB_EXT_SRCS:%.c=$(B)/pic/%.o)
ALL_TARGETS += $(B)/hvtrace-sqlite.so

# EXT_CFLAGS: the extension is loaded into the system's sqlite3, which has no
# sanitizer runtime, so `make sanitize` builds it without -fsanitize.
EXT_CFLAGS ?= $(CFLAGS)
$(B)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(EXT_CFLAGS) -I. -MMD -MP -fPIC -c -o $@ $<

$(B)/hvtrace-sqlite.so: $(DB_EXT_OBJS)
	$(CC) $(EXT_CFLAGS) -shared -o $@ $^ -lz

-include $(shell find $(B)/pic -name '*.d' 2>/dev/null)
