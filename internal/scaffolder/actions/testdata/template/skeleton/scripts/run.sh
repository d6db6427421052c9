#!/bin/sh
exec ./${{ values.name }} "$@"
