// Package trigger starts scaffolder tasks without a person asking: on a
// template's cron schedule (spec.schedule) and on catalog events
// (spec.triggers). Each fire is claimed in the database before its task is
// created, so several replicas running a Scheduler start each task once.
package trigger
