"""HTTP interfaces: validate the request, call one selector/service, render or serialize."""
