package dev.raftkv.liberty;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The packaged Liberty configuration, read as the server reads it (no server started). */
class ServerConfigTest {

    private static Element logging() throws Exception {
        Document config = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(Path.of("src/main/liberty/config/raftkv-node.xml").toFile());
        return (Element) config.getElementsByTagName("logging").item(0);
    }

    @Test
    void a_down_health_check_does_not_write_a_warning_per_probe() throws Exception {
        assertThat(Arrays.asList(logging().getAttribute("hideMessage").split("\\s*,\\s*"))).contains("CWMMH0052W");
    }
}
