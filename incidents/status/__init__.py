"""The public status page and the client mail of D9 §7.2 (issue 21): what is published, who
subscribes, how it is mailed, and the pages and feeds clients read without logging in."""
