package dev.ksim.plugin.bus1;

import dev.ksim.spi.AbstractPluginProvider;
import dev.ksim.spi.OptionType;
import dev.ksim.spi.PluginDescriptor;
import dev.ksim.spi.PluginKind;
import dev.ksim.spi.PluginProvider;
import org.osgi.service.component.annotations.Component;

/** Registers the bus1 bundle's plugins: two transports and five accounting policies, each its own id. */
public final class Providers {
    private Providers() {
    }

    private static PluginDescriptor policy(String id, String summary) {
        return PluginDescriptor.builder(id, PluginKind.IPC_ACCOUNTING_POLICY).version("1.0.0").summary(summary).build();
    }

    /** {@code bus1}. */
    @Component(service = PluginProvider.class)
    public static final class Bus1Provider extends AbstractPluginProvider {
        static final PluginDescriptor DESCRIPTOR = PluginDescriptor.builder("bus1", PluginKind.IPC_TRANSPORT)
                .version("1.0.0")
                .summary("bus1 capability IPC: nodes, handles, multicast, receiver-side accounting")
                .build();

        public Bus1Provider() {
            super(DESCRIPTOR, Transports.Bus1.class);
        }
    }

    /** {@code unix-stream}. */
    @Component(service = PluginProvider.class)
    public static final class UnixStreamProvider extends AbstractPluginProvider {
        static final PluginDescriptor DESCRIPTOR = PluginDescriptor.builder("unix-stream", PluginKind.IPC_TRANSPORT)
                .version("1.0.0")
                .summary("AF_UNIX stream sockets: per-socket send buffer charged to the sender, EAGAIN when full, no handles")
                .option(Transports.SNDBUF, OptionType.SIZE, Transports.DEFAULT_SNDBUF,
                        "send buffer per connection (SO_SNDBUF); default net.core.wmem_default = 208 KiB")
                .build();

        public UnixStreamProvider() {
            super(DESCRIPTOR, Transports.UnixStream.class);
        }
    }

    /** {@code no-quota}. */
    @Component(service = PluginProvider.class)
    public static final class NoQuotaProvider extends AbstractPluginProvider {
        static final PluginDescriptor DESCRIPTOR = policy("no-quota", "Per-user hard limit only: any sender may fill the receiver's budget");

        public NoQuotaProvider() {
            super(DESCRIPTOR, AccountingPolicies.NoQuota.class);
        }
    }

    /** {@code sender}. */
    @Component(service = PluginProvider.class)
    public static final class SenderProvider extends AbstractPluginProvider {
        static final PluginDescriptor DESCRIPTOR = policy("sender", "Sender-side accounting: messages are charged to the sending user until released");

        public SenderProvider() {
            super(DESCRIPTOR, AccountingPolicies.SenderPays.class);
        }
    }

    /** {@code bus1-half}. */
    @Component(service = PluginProvider.class)
    public static final class Bus1HalfProvider extends AbstractPluginProvider {
        static final PluginDescriptor DESCRIPTOR = policy("bus1-half", "bus1 Oct 2016 quota: a sender may hold at most half of what is left (R >= S + 2c)");

        public Bus1HalfProvider() {
            super(DESCRIPTOR, AccountingPolicies.Bus1Half.class);
        }
    }

    /** {@code quota-n1}. */
    @Component(service = PluginProvider.class)
    public static final class QuotaN1Provider extends AbstractPluginProvider {
        static final PluginDescriptor DESCRIPTOR = policy("quota-n1", "dbus-broker quota: (S + c)(n + 1) - S <= R, overflow-safe");

        public QuotaN1Provider() {
            super(DESCRIPTOR, AccountingPolicies.QuotaN1.class);
        }
    }

    /** {@code request-reply}. */
    @Component(service = PluginProvider.class)
    public static final class RequestReplyProvider extends AbstractPluginProvider {
        static final PluginDescriptor DESCRIPTOR = policy("request-reply",
                "Request-and-reply accounting: a call reserves its reply slot on the callee under the quota; the caller pays for the reply");

        public RequestReplyProvider() {
            super(DESCRIPTOR, AccountingPolicies.RequestReply.class);
        }
    }
}
