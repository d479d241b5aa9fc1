// Readiness probe for deploy/kafka.sh.
//
// Run as a single-file source program with the Kafka classpath:
//   java -cp "$CLASSPATH" deploy/kafka/KafkaReady.java <bootstrap> <timeout-seconds> [<broker-pid>]
//
// Polls the broker with an AdminClient until describeCluster() reports at least
// one broker (i.e. the combined broker+controller has registered and is serving
// metadata).  Exit codes: 0 ready, 3 timed out, 2 the broker process died,
// 64 usage error (1 means the program itself failed, e.g. did not compile).

import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

public class KafkaReady {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: KafkaReady <bootstrap> <timeout-seconds> [<broker-pid>]");
            System.exit(64);
        }
        String bootstrap = args[0];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
        Long pid = args.length > 2 ? Long.valueOf(args[2]) : null;

        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "200");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "lif-kafka-ready");

        String last = "no answer yet";
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                if (pid != null && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    System.err.println("broker process " + pid + " exited");
                    System.exit(2);
                }
                try {
                    int brokers = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000))
                            .nodes().get(4, TimeUnit.SECONDS).size();
                    if (brokers > 0) {
                        System.exit(0);
                    }
                    last = "cluster reports no brokers yet";
                } catch (Exception e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    last = cause.getClass().getSimpleName() + ": " + cause.getMessage();
                }
                Thread.sleep(500);
            }
        }
        System.err.println("broker at " + bootstrap + " not ready: " + last);
        System.exit(3);
    }
}
