// Package scaffolder runs Backstage software templates: it reads
// scaffolder.backstage.io/v1beta3 Template entities, checks them and the
// values a user submits, and runs tasks step by step with the registered
// actions, rendering ${{ }} expressions with the nunjucks package.
//
// Tasks are durable: every task, its events and each step's state live in
// the database (the Store). Workers claim open tasks with a lease they
// renew each second, so several replicas share the work and a task whose
// worker died is taken over. Secrets are sealed with AES-GCM while a task
// needs them, redacted from every event, and dropped when it ends.
//
// The Engine is the API the REST handlers, the CLI and the web UI call.
package scaffolder
