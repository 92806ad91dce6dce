// The help of `parigot call`, apart from the command so that printing it loads nothing else.

export const CALL_HELP = `usage: parigot call <deploy.toml> <package.Service.Method> [<request json>]
       parigot call <deploy.toml> --list

Starts the deployment's servers, calls one method with the request given as JSON (protobuf's
JSON mapping; default {}), prints the response as JSON on stdout and stops. Guest logs go to
stderr. The method's types come from the parigot.descriptors section of the guests' .wasm
(npm run build:examples writes it) or from [deployment] descriptors. --list prints the methods
that can be called. Exit codes: 0 answered; 1 the service answered an error (named on stderr);
2 bad config, unknown method or a request that does not fit the input type; 3 the kernel failed
the call (timeout, the service failed or never ran).`
