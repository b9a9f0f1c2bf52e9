"""The Django shell around the domain core. project/ is the Django project; counter, juki, shinseisho, backoffice, api and resident are its apps (docs/architecture.md)."""
