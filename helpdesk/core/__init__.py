"""What every domain uses and no domain owns: settings, the database and migrations, the web
layer (pages, errors, received text, rate limits, security headers, static assets), French text."""
