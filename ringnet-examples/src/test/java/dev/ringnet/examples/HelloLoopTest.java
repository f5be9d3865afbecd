package dev.ringnet.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringnet.loop.Backends;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class HelloLoopTest {

    @Test
    @Timeout(10)
    void printsFromThePostedTaskThenStopsOnTheTimer() throws IOException {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            HelloLoop.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8).lines())
                .containsExactly("hello from the loop, backend " + Backends.auto().name(), "timer fired, stopping");
    }

    /** The README shows HelloLoop.java verbatim: keep the two from drifting apart. */
    @Test
    void readmeShowsHelloLoopVerbatim() throws IOException {
        Path readme = Path.of("..", "README.md");
        Assumptions.assumeTrue(Files.exists(readme), "README.md not found next to the module");
        Matcher block = Pattern.compile("```java\\n(package dev\\.ringnet\\.examples;\\n.*?class HelloLoop .*?)```",
                Pattern.DOTALL).matcher(Files.readString(readme));
        assertThat(block.find()).as("README has a java block with HelloLoop").isTrue();
        String source = Files.readString(Path.of("src/main/java/dev/ringnet/examples/HelloLoop.java"));
        assertThat(block.group(1)).isEqualTo(source);
    }
}
