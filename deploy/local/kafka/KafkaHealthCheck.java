// Health check for the local Kafka broker started by deploy/local/infra.sh.
//
// One JVM does what would otherwise take three (TopicCommand, ConsoleProducer,
// ConsoleConsumer, ~2 s of JVM start-up each on the dev machine):
//   1. create the topic (if missing) with the Admin API,
//   2. produce one record with acks=all,
//   3. read it back through a consumer *group* (so the group coordinator and
//      __consumer_offsets are up too: that is what kafkajs consumers need), commit.
// Every step is retried until the deadline, so it can be started while the broker
// is still booting. Exit 0 and one "ok ..." line on success, exit 1 otherwise.
//
// Usage: java -cp "<libs>/*:<classes>" KafkaHealthCheck <bootstrap> <timeoutSeconds> [topic]
// Compiled once by infra.sh into the Kafka cache dir (javac from the JDK).

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class KafkaHealthCheck {
    private static long deadline;
    private static String lastError = "";

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: KafkaHealthCheck <bootstrap> <timeoutSeconds> [topic]");
            System.exit(2);
        }
        String bootstrap = args[0];
        long started = System.nanoTime();
        deadline = started + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
        String topic = args.length > 2 ? args[2] : "__sluice_healthcheck";
        try {
            createTopic(bootstrap, topic);
            RecordMetadata sent = produce(bootstrap, topic);
            consume(bootstrap, topic, sent.offset());
            System.out.printf("ok topic=%s partition=%d offset=%d in %d ms%n", topic, sent.partition(),
                    sent.offset(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            System.exit(0);
        } catch (Exception e) {
            System.err.println("kafka health check failed: " + e + (lastError.isEmpty() ? "" : " (last error: " + lastError + ")"));
            System.exit(1);
        }
    }

    private static long remainingMs() {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    private static void checkDeadline(String step) throws Exception {
        if (remainingMs() == 0) {
            throw new Exception("timed out while trying to " + step);
        }
    }

    private static void pause() throws InterruptedException {
        Thread.sleep(Math.min(500, Math.max(1, remainingMs())));
    }

    private static Properties common(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "sluice-infra-healthcheck");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        return p;
    }

    private static void createTopic(String bootstrap, String topic) throws Exception {
        Properties p = common(bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        try (Admin admin = Admin.create(p)) {
            while (true) {
                checkDeadline("create topic " + topic);
                try {
                    admin.createTopics(Collections.singleton(new NewTopic(topic, 1, (short) 1)))
                            .all().get(Math.max(1, remainingMs()), TimeUnit.MILLISECONDS);
                    return;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        return;
                    }
                    lastError = String.valueOf(e.getCause());
                } catch (java.util.concurrent.TimeoutException e) {
                    lastError = "admin createTopics timed out";
                }
                pause();
            }
        }
    }

    private static RecordMetadata produce(String bootstrap, String topic) throws Exception {
        Properties p = common(bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            while (true) {
                checkDeadline("produce to " + topic);
                try {
                    return producer.send(new ProducerRecord<>(topic, 0, "healthcheck", "ping-" + UUID.randomUUID()))
                            .get(Math.max(1, remainingMs()), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    lastError = String.valueOf(e.getCause());
                } catch (java.util.concurrent.TimeoutException e) {
                    lastError = "produce timed out";
                } catch (org.apache.kafka.common.KafkaException e) {
                    lastError = String.valueOf(e);
                }
                pause();
            }
        }
    }

    private static void consume(String bootstrap, String topic, long offset) throws Exception {
        Properties p = common(bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "__sluice_healthcheck");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            while (true) {
                checkDeadline("consume offset " + offset + " from " + topic + " with a consumer group");
                try {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(Math.min(1000, Math.max(1, remainingMs()))))) {
                        if (r.offset() >= offset) {
                            consumer.commitSync(Duration.ofMillis(Math.max(1, remainingMs())));
                            return;
                        }
                    }
                } catch (org.apache.kafka.common.KafkaException e) {
                    lastError = String.valueOf(e);
                    pause();
                }
            }
        }
    }
}
