package dev.raftkv.liberty;

import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The archives the Arquillian tests deploy: the war the build produced, as is or with settings overridden. */
final class Deployments {

    static final String ADMIN_USER = "admin";
    static final String ADMIN_PASSWORD = "arquillian-admin-password";

    private Deployments() {
    }

    /** The application exactly as packaged. */
    static WebArchive raftkv() {
        File war = new File(System.getProperty("raftkv.war", "target/raftkv-liberty.war"));
        return ShrinkWrap.createFromZipFile(WebArchive.class, war);
    }

    /**
     * The application with {@code properties} (lines of {@code key=value}) taking precedence over every other
     * configuration source (config_ordinal 500 beats server.env's 300).
     */
    static WebArchive raftkvWith(String name, String properties) {
        WebArchive war = ShrinkWrap.create(WebArchive.class, name + ".war").merge(raftkv());
        war.delete("WEB-INF/classes/META-INF/microprofile-config.properties");
        // its own context root (the archive name), so that several variants can be deployed side by side
        war.delete("WEB-INF/ibm-web-ext.xml");
        war.addAsResource(new StringAsset("config_ordinal=500\n" + properties + "\n"),
                "META-INF/microprofile-config.properties");
        return war;
    }

    static int httpPort() {
        return Integer.getInteger("arquillian.http.port");
    }

    static Http http() {
        return Http.to("http://127.0.0.1:" + httpPort());
    }

    static Http admin() {
        return http().as(ADMIN_USER, ADMIN_PASSWORD);
    }
}
