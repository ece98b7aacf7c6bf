package dev.raftkv.client.cli;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonStructure;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * The node's admin REST API ({@code /admin/v1}, HTTP Basic), as the {@code member},
 * {@code leader} and {@code snapshot} commands use it. An error answer
 * ({@code application/problem+json}) becomes an {@link AdminException} with the
 * problem's title and detail and the exit code that fits its status.
 */
final class AdminApi {

    static final String URL_VARIABLE = "RAFTKV_ADMIN_URL";
    static final String USER_VARIABLE = "RAFTKV_ADMIN_USER";
    static final String PASSWORD_VARIABLE = "RAFTKV_ADMIN_PASSWORD";
    /**
     * Node n1 of the local cluster of {@code scripts/cluster} (HTTP 127.0.0.1:908i for node i), as
     * {@link dev.raftkv.client.Endpoints#DEFAULT} names its client ports; {@code scripts/cluster env}
     * prints it. A Liberty server of its own listens on 9080 unless told otherwise: pass {@code --admin}.
     */
    static final String DEFAULT_URL = "http://127.0.0.1:9081";

    /** An error answer of the admin API, or no answer. */
    static final class AdminException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        AdminException(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }

    private final URI base;
    private final String authorization;
    private final Duration timeout;
    private final HttpClient http;

    AdminApi(String url, String user, String password, Duration timeout) {
        String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        try {
            this.base = URI.create(trimmed + "/admin/v1/");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("admin URL '" + url + "' is not a URL: " + e.getMessage());
        }
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
            throw new IllegalArgumentException("admin URL '" + url + "' must start with http:// or https://");
        }
        if (user == null || user.isEmpty() || password == null || password.isEmpty()) {
            throw new IllegalArgumentException("admin credentials are missing: pass --user and --password or set $"
                    + USER_VARIABLE + " and $" + PASSWORD_VARIABLE);
        }
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** {@code GET path}, answered with JSON. */
    JsonStructure get(String path) {
        return json(send(request(path).GET(), HttpResponse.BodyHandlers.ofString()));
    }

    /** {@code POST path} with a JSON body (or none), answered with JSON (or nothing). */
    JsonStructure post(String path, JsonObject body) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.toString());
        HttpRequest.Builder request = request(path).POST(publisher);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return json(send(request, HttpResponse.BodyHandlers.ofString()));
    }

    /** {@code DELETE path}, answered with JSON (or nothing). */
    JsonStructure delete(String path) {
        return json(send(request(path).DELETE(), HttpResponse.BodyHandlers.ofString()));
    }

    /** {@code GET path} as a stream of bytes (a snapshot download), with the answer's headers. */
    HttpResponse<InputStream> download(String path) {
        HttpResponse<InputStream> response = send(request(path).GET(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() / 100 != 2) {
            try (InputStream body = response.body()) {
                throw problem(response.statusCode(), new String(body.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new AdminException("reading the error answer failed: " + e.getMessage(), ExitCodes.ERROR);
            }
        }
        return response;
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).header("Authorization", authorization)
                .header("Accept", "application/json, application/problem+json, application/octet-stream");
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
        HttpRequest built = request.build();
        try {
            return http.send(built, handler);
        } catch (IOException e) {
            throw new AdminException("no answer from " + built.uri() + ": " + e, ExitCodes.UNAVAILABLE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminException("interrupted", ExitCodes.ERROR);
        }
    }

    private static JsonStructure json(HttpResponse<String> response) {
        if (response.statusCode() / 100 != 2) {
            throw problem(response.statusCode(), response.body());
        }
        String body = response.body();
        if (body == null || body.isBlank()) {
            return JsonValue.EMPTY_JSON_OBJECT;
        }
        try (JsonReader reader = Json.createReader(new StringReader(body))) {
            return reader.read();
        } catch (RuntimeException e) {
            throw new AdminException("the admin API answered something that is not JSON: " + abbreviate(body),
                    ExitCodes.ERROR);
        }
    }

    private static AdminException problem(int status, String body) {
        String text = abbreviate(body);
        try (JsonReader reader = Json.createReader(new StringReader(body))) {
            JsonObject problem = reader.readObject();
            String title = problem.getString("title", "");
            String detail = problem.getString("detail", "");
            text = (title + (detail.isEmpty() ? "" : ": " + detail)).strip();
        } catch (RuntimeException e) {
            // not problem+json: show the body as it is
        }
        return new AdminException("HTTP " + status + (text.isEmpty() ? "" : " " + text), exitCode(status));
    }

    static int exitCode(int status) {
        return switch (status) {
            case 400 -> ExitCodes.INVALID_ARGUMENT;
            case 404 -> ExitCodes.NOT_FOUND;
            case 409, 412 -> ExitCodes.REJECTED;
            case 503, 504 -> ExitCodes.UNAVAILABLE;
            default -> ExitCodes.ERROR;
        };
    }

    private static String abbreviate(String text) {
        String flat = text == null ? "" : text.replaceAll("\\s+", " ").strip();
        return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
    }

    /** Values of the environment the admin options fall back to. */
    static String fromEnvironment(Map<String, String> environment, String name, String fallback) {
        String value = environment.get(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
