package dev.patroxy.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.ApiAccess;
import dev.patroxy.config.BasicAuth;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.Secret;
import dev.patroxy.config.TlsClient;
import dev.patroxy.proxy.tls.TestCertificates;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;

/** The check over HTTPS (Patroni's restapi.certfile, cafile, verify_client) and with basic authentication. */
class PatroniCheckTlsTest {
    private static final CheckConfig CHECK = new CheckConfig("GET", "/primary", 200, Duration.ofSeconds(1),
            Duration.ofSeconds(2), 1, 1);
    private final TestCertificates certificates = new TestCertificates();
    @StartStop
    private final MockWebServer patroni = new MockWebServer();

    private HostPort target() {
        return new HostPort("localhost", patroni.getPort());
    }

    private CheckAnswer check(ApiAccess access) throws Exception {
        CompletableFuture<CheckAnswer> answer = new CompletableFuture<>();
        new PatroniCheck(PatroniCheck.newSharedClient(), new CheckTarget(target(), CHECK, access), Clock.systemUTC())
                .run(answer::complete);
        return answer.get(10, TimeUnit.SECONDS);
    }

    private static ApiAccess tls(TlsClient tls) {
        return new ApiAccess(Optional.of(tls), Optional.empty());
    }

    private void primary() {
        patroni.enqueue(new MockResponse.Builder().code(200).body("{\"state\": \"running\", \"role\": \"master\"}")
                .build());
    }

    @Test
    void aServerCertificateOfTheConfiguredCaIsTaken() throws Exception {
        patroni.useHttps(certificates.serverSide().sslSocketFactory());
        primary();

        CheckAnswer answer = check(tls(certificates.tlsClient(false)));

        assertThat(answer.result().status()).isEqualTo("L7OK");
        assertThat(answer.reportedRole()).isEqualTo("primary");
        assertThat(patroni.takeRequest().getUrl().scheme()).isEqualTo("https");
    }

    @Test
    void aServerCertificateOfAnotherCaFailsAtLayer6WithTheReason() throws Exception {
        patroni.useHttps(certificates.serverSide().sslSocketFactory());
        primary();

        CheckAnswer answer = check(tls(TestCertificates.trustingAnotherCa()));

        assertThat(answer.result().status()).isEqualTo("L6RSP");
        assertThat(answer.result().passed()).isFalse();
        assertThat(answer.result().detail()).containsIgnoringCase("certification path");
    }

    @Test
    void aCertificateThatDoesNotNameTheHostFailsAtLayer6() throws Exception {
        HeldCertificate elsewhere = new HeldCertificate.Builder().signedBy(certificates.ca)
                .addSubjectAlternativeName("pg09.example").build();
        patroni.useHttps(new okhttp3.tls.HandshakeCertificates.Builder().heldCertificate(elsewhere).build()
                .sslSocketFactory());
        primary();

        CheckAnswer answer = check(tls(certificates.tlsClient(false)));

        assertThat(answer.result().status()).isEqualTo("L6RSP");
        assertThat(answer.result().detail()).contains("localhost").contains("not verified");
    }

    @Test
    void verifyNoneTakesAnyCertificateAsHaproxysVerifyNoneDoes() throws Exception {
        patroni.useHttps(certificates.serverSide().sslSocketFactory());
        primary();

        CheckAnswer answer = check(tls(new TlsClient(false, Optional.empty(), Optional.empty())));

        assertThat(answer.result().status()).isEqualTo("L7OK");
    }

    /** Patroni's restapi.verify_client: required. */
    private void requiringAClientCertificate() {
        patroni.useHttps(certificates.serverSide().sslSocketFactory());
        patroni.requireClientAuth();
        primary();
    }

    @Test
    void aServerThatRequiresAClientCertificateGetsOne() throws Exception {
        requiringAClientCertificate();

        CheckAnswer answer = check(tls(certificates.tlsClient(true)));

        assertThat(answer.result().status()).isEqualTo("L7OK");
        RecordedRequest request = patroni.takeRequest();
        assertThat(request.getHandshake().peerPrincipal().getName()).isEqualTo("CN=patroxy");
    }

    @Test
    void withoutTheClientCertificateTheServerThatRequiresOneRefusesTheCheck() throws Exception {
        requiringAClientCertificate();

        CheckAnswer answer = check(tls(certificates.tlsClient(false)));

        assertThat(answer.result().passed()).isFalse();
        assertThat(answer.result().status()).isIn("L6RSP", "L7RSP");
        assertThat(answer.result().detail()).as("the alert, or a hint when the server just closed the connection")
                .containsAnyOf("certificate_required", "bad_certificate", "check-tls cert-file");
    }

    @Test
    void basicAuthenticationIsSentAndWithoutItA401IsAFailureNotARoleAnswer() throws Exception {
        String expected = okhttp3.Credentials.basic("patroxy", "s3cret");
        patroni.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return expected.equals(request.getHeaders().get("Authorization"))
                        ? new MockResponse.Builder().code(200).body("{\"role\": \"primary\"}").build()
                        : new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Basic realm=\"Patroni\"")
                                .build();
            }
        });

        CheckAnswer refused = check(ApiAccess.PLAIN);
        CheckAnswer passed = check(new ApiAccess(Optional.empty(),
                Optional.of(new BasicAuth("patroxy", new Secret("s3cret")))));

        assertThat(refused.result().status()).as("not L7STS: a 401 says nothing about the role").isEqualTo("L7RSP");
        assertThat(refused.result().code()).isEqualTo(401);
        assertThat(refused.result().detail()).contains("credentials missing or wrong");
        assertThat(passed.result().status()).isEqualTo("L7OK");
    }
}
