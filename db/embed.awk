# Turns db/schema.sql into C: the text as one string, and the schema version
# taken from its `PRAGMA user_version = N;` line (so the number lives in one place).
BEGIN { print "/* Generated from db/schema.sql by db/embed.awk; do not edit. */"
        print "const char rundb_schema_sql[] =" }
/^[ \t]*PRAGMA[ \t]+user_version[ \t]*=/ { v = $0; sub(/.*=[ \t]*/, "", v); sub(/[ \t]*;.*/, "", v) }
{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print "    \"" $0 "\\n\"" }
END { if (v !~ /^[0-9]+$/) { print "schema.sql: no PRAGMA user_version line" > "/dev/stderr"; exit 1 }
      print "    ;"
      print "const int rundb_schema_version = " v ";" }
