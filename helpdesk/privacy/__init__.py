"""Personal data: anonymising closed requests past the retention delay, pending screenshots
left by abandoned forms, one person's export and erasure, the audit-log page."""
