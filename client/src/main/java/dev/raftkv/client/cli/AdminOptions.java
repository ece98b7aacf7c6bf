package dev.raftkv.client.cli;

import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Where the admin API is and how to log in: options, else environment variables, else the local default. */
final class AdminOptions {

    @Option(names = "--admin", paramLabel = "URL", scope = ScopeType.INHERIT,
            description = "Admin base URL of any node (default: $" + AdminApi.URL_VARIABLE + ", else "
                    + AdminApi.DEFAULT_URL + "). Leader-only requests are forwarded by the node.")
    private String url;

    @Option(names = "--user", paramLabel = "NAME", scope = ScopeType.INHERIT, description = "Admin user (default: $" + AdminApi.USER_VARIABLE
            + ").")
    private String user;

    @Option(names = "--password", paramLabel = "SECRET", scope = ScopeType.INHERIT, description = "Admin password (default: $"
            + AdminApi.PASSWORD_VARIABLE + ").")
    private String password;

    @Option(names = "--admin-timeout", paramLabel = "DURATION", defaultValue = "30s", scope = ScopeType.INHERIT,
            converter = TimeoutConverter.class,
            description = "Deadline of one admin request (default: ${DEFAULT-VALUE}).")
    private Duration timeout;

    AdminApi connect(Map<String, String> environment) {
        return new AdminApi(url != null ? url : AdminApi.fromEnvironment(environment, AdminApi.URL_VARIABLE,
                AdminApi.DEFAULT_URL),
                user != null ? user : AdminApi.fromEnvironment(environment, AdminApi.USER_VARIABLE, null),
                password != null ? password : AdminApi.fromEnvironment(environment, AdminApi.PASSWORD_VARIABLE, null),
                timeout);
    }
}
