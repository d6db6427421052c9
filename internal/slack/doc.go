// Package slack reaches approvers in Slack: it posts approval requests
// to an incoming webhook as Block Kit messages with Approve and Reject
// buttons, verifies the signature of the interactions Slack sends back
// when a button is pressed, and parses their payload.
package slack
