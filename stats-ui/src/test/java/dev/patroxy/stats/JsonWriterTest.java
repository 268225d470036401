package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonWriterTest {
    @Test
    void separatesMembersAndElements() {
        String json = new JsonWriter().beginObject()
                .field("a", 1)
                .name("b").beginArray().value("x").value(true).beginObject().endObject().beginArray().endArray()
                .endArray()
                .field("c", false)
                .endObject().toString();
        assertThat(json).isEqualTo("{\"a\":1,\"b\":[\"x\",true,{},[]],\"c\":false}");
        JsonSyntax.check(json);
    }

    @Test
    void escapesStrings() {
        String json = new JsonWriter().beginArray()
                .value("quote \" backslash \\ slash / tab \t newline \n return \r bell \u0007 nul \u0000 ls \u2028 é")
                .value((String) null)
                .endArray().toString();
        assertThat(json).isEqualTo("[\"quote \\\" backslash \\\\ slash / tab \\t newline \\n return \\r "
                + "bell \\u0007 nul \\u0000 ls \\u2028 é\",null]");
        JsonSyntax.check(json);
    }
}
