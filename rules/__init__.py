"""Rules engine: alerts, escalation and notifications."""
