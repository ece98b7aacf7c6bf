package dev.raftkv.client.cli;

import java.time.Duration;
import picocli.CommandLine;

/**
 * A {@link DurationConverter} duration that must be positive: a timeout of zero or less could
 * only fail every request, so it is a usage error (exit 2), named with the value given.
 */
final class TimeoutConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        Duration duration = new DurationConverter().convert(value);
        if (duration.isZero() || duration.isNegative()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a positive duration (examples: 500ms, 10s)");
        }
        return duration;
    }
}
