"""申請書 (application forms) at the counter: preview, correct, print the filled bundle."""
