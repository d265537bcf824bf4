"""The emulator as a service: the HTTP app, routes, middleware, faults, jobs and the control plane."""
