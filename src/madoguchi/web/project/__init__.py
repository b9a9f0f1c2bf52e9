"""The Django project: settings of the two profiles (counter, pre-entry), URL roots, WSGI, middleware, error pages."""
