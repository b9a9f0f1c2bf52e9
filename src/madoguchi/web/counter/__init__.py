"""The counter app: cases, the guide at the counter, the 手続き案内票, auth and the audit log (app label ``madoguchi``)."""
