package io.serdistill.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serdistill.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Debian's chromium, headless, driven through the Chrome DevTools protocol over the JDK's WebSocket client: no
 * WebDriver, no dependency. Each instance has its own fresh user-data directory, lets chromium pick a free
 * debugging port (read back from DevToolsActivePort there) and turns off everything that would reach the network
 * on its own (updates, sync, background fetches).
 */
final class HeadlessChromium implements AutoCloseable {
    static final String BINARY = "chromium";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private HeadlessChromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** The chromium binary on PATH, or null. */
    static Path find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, BINARY);
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static HeadlessChromium start(Path binary) throws Exception {
        Path profile = Files.createTempDirectory("ser-chromium-profile");
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile()).start();
        Path active = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        List<String> lines = List.of();
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (Files.exists(active)) {
                lines = Files.readAllLines(active);
                if (lines.size() >= 2) {
                    break;
                }
            }
            Thread.sleep(100);
        }
        if (lines.size() < 2) {
            process.destroyForcibly();
            String log = Files.readString(profile.resolveSibling(profile.getFileName() + ".log"));
            throw new IOException("chromium wrote no DevToolsActivePort within " + TIMEOUT + " (alive: "
                    + process.isAlive() + "); its output:\n" + log);
        }
        URI uri = URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
        HeadlessChromium[] self = new HeadlessChromium[1];
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(TIMEOUT)
                .buildAsync(uri, new WebSocket.Listener() {
                    private final StringBuilder message = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        message.append(data);
                        if (last) {
                            String text = message.toString();
                            message.setLength(0);
                            self[0].received(text);
                        }
                        ws.request(1);
                        return null;
                    }
                }).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        self[0] = new HeadlessChromium(process, profile, socket);
        return self[0];
    }

    private void received(String text) {
        try {
            JsonNode message = Json.object(text);
            if (message.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(message.get("id").asInt());
                if (f != null) {
                    f.complete(message);
                }
            }
        } catch (IOException e) {
            pending.values().forEach(f -> f.completeExceptionally(e));
        }
    }

    /** Sends one command (to the browser when {@code session} is null) and returns its result. */
    JsonNode call(String session, String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode message = Json.newObject();
        message.put("id", id);
        message.put("method", method);
        if (session != null) {
            message.put("sessionId", session);
        }
        message.set("params", Json.object(Json.compact(params)));
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        socket.sendText(Json.compact(message), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        JsonNode answer = reply.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (answer.has("error")) {
            throw new IOException(method + " failed: " + answer.get("error"));
        }
        return answer.get("result");
    }

    /** A page of {@code width} x {@code height} CSS pixels showing {@code url} once its load event has fired. */
    Page open(String url, int width, int height) throws Exception {
        String target = call(null, "Target.createTarget", Map.of("url", "about:blank")).get("targetId").asText();
        String session = call(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true))
                .get("sessionId").asText();
        call(session, "Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                "deviceScaleFactor", 1, "mobile", false));
        call(session, "Page.navigate", Map.of("url", url));
        Page page = new Page(session);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!"complete".equals(page.evaluate("document.location.href === " + Json.compact(url)
                + " ? document.readyState : 'navigating'").asText())) {
            if (System.nanoTime() > deadline) {
                throw new IOException(url + " did not finish loading within " + TIMEOUT);
            }
            Thread.sleep(100);
        }
        return page;
    }

    final class Page {
        private final String session;

        private Page(String session) {
            this.session = session;
        }

        /** The value of a JavaScript expression (JSON-serialisable), evaluated in the page. */
        JsonNode evaluate(String expression) throws Exception {
            JsonNode result = call(session, "Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
            if (result.has("exceptionDetails")) {
                throw new IOException(expression + " threw: " + result.get("exceptionDetails"));
            }
            return result.get("result").path("value");
        }

        /** A PNG of the whole page, as wide as the viewport and as tall as the content. */
        byte[] screenshot() throws Exception {
            JsonNode size = evaluate("({w: window.innerWidth, h: document.documentElement.scrollHeight})");
            Map<String, Object> clip = Map.of("x", 0, "y", 0, "width", size.get("w").asInt(),
                    "height", size.get("h").asInt(), "scale", 1);
            String data = call(session, "Page.captureScreenshot", Map.of("format", "png", "clip", clip,
                    "captureBeyondViewport", true)).get("data").asText();
            return Base64.getDecoder().decode(data);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            // Not call(): the browser may close the socket before it answers.
            socket.sendText("{\"id\":" + ids.incrementAndGet() + ",\"method\":\"Browser.close\"}", true)
                    .get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // The process is stopped below whatever the browser does.
        }
        socket.abort();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        Files.deleteIfExists(profile.resolveSibling(profile.getFileName() + ".log"));
    }
}
