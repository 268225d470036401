package dev.patroxy.proxy.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Reads the small JSON documents etcd and Patroni answer with (jackson-jr): objects become
 * {@code Map<String, Object>} in document order, arrays {@code List<Object>}, whole numbers {@code Long}
 * ({@code BigInteger} beyond a long), other numbers {@code Double}, and {@code null} a Java null.
 */
public final class Json {
    /** Deeper is refused while parsing: an answer nested deeper than this could only be hostile. */
    public static final int MAX_DEPTH = 64;
    /** Longer is refused while parsing; callers bound what they read far below this already. */
    public static final int MAX_LENGTH = 1024 * 1024;

    private static final JSON READER = JSON.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_DEPTH)
                            .maxDocumentLength(MAX_LENGTH)
                            .maxStringLength(MAX_LENGTH)
                            .build())
                    .build())
            .enable(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS)
            .build();

    private Json() {
    }

    /** @throws IllegalArgumentException "not JSON: ..." when {@code text} is not one complete JSON value */
    public static Object parse(String text) {
        try (JsonParser parser = READER.createParser(text)) {
            if (parser.nextToken() == null) {
                throw new IllegalArgumentException("not JSON: no value");
            }
            Object value = READER.anyFrom(parser);
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("not JSON: text after the value" + at(parser.currentLocation()));
            }
            return wholeNumbersAsLongs(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage() + at(e.getLocation()));
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
    }

    /** The object {@code value} as a map, or an empty one when it is not an object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object value) {
        return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }

    private static String at(JsonLocation location) {
        return location == null || location.getCharOffset() < 0 ? "" : " at offset " + location.getCharOffset();
    }

    /** jackson-jr reads small whole numbers as Integer; one type for them keeps every caller's test simple. */
    @SuppressWarnings("unchecked")
    private static Object wholeNumbersAsLongs(Object value) {
        if (value instanceof Integer number) {
            return number.longValue();
        }
        if (value instanceof Map<?, ?> map) {
            ((Map<String, Object>) map).replaceAll((name, member) -> wholeNumbersAsLongs(member));
        } else if (value instanceof List<?> list) {
            ((List<Object>) list).replaceAll(Json::wholeNumbersAsLongs);
        }
        return value;
    }
}
