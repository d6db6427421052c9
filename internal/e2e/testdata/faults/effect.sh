#!/bin/sh
# The side effect of a fault-injection step, run as an exec external
# action: reads the request on stdin, sleeps input.sleep seconds, then
# appends "<taskId> <stepId> <iteration>" to the file input.file and
# answers {"line": ...}. The line is written last, so a run killed while it
# sleeps leaves nothing behind.
set -eu
request=$(cat)
# field prints the value of a key in the request (its keys are unique and
# its values carry no quotes, commas or braces).
field() {
	printf '%s' "$request" | sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}
task=$(field taskId)
step=$(field stepId)
iteration=$(field iteration)
file=$(field file)
sleep "$(field sleep)"
line="$task $step $iteration"
printf '%s\n' "$line" >>"$file"
printf '{"line":"%s"}\n' "$line"
