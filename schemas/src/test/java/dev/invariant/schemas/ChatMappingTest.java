package dev.invariant.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.api.JsonFields;
import dev.invariant.engine.api.JsonRequests;
import dev.invariant.engine.api.Prompt;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A chat with tools, calls and results and its rendering fields survives the request record both ways, and the record
 * is checked as HTTP is.
 */
class ChatMappingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Prompt.Chat chat(String json) throws Exception {
        return JsonRequests.chat(JsonFields.of(JSON.readTree(json)));
    }

    private static Prompt.Chat roundTrip(Prompt.Chat c) {
        InferenceRequest.Builder b = InferenceRequest.newBuilder().setRequestId("r").setModel("m")
                .setSampling(Sampling.newBuilder().build());
        ChatMapping.write(c, b);
        return ChatMapping.chat(b.build());
    }

    @Test
    void aChatWithToolsCallsAndResultsComesBackAsItWent() throws Exception {
        String tools = "[{\"type\": \"function\", \"function\": {\"name\": \"now\", \"parameters\": {\"type\": \"object\","
                + " \"properties\": {}}}}]";
        String messages = "\"messages\": [{\"role\": \"user\", \"content\": \"time?\"}, {\"role\": \"assistant\","
                + " \"content\": null, \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\", \"function\": {\"name\":"
                + " \"now\", \"arguments\": \"{}\"}}]}, {\"role\": \"tool\", \"tool_call_id\": \"c1\", \"content\": \"noon\"}]";
        for (String choice : List.of("", ", \"tool_choice\": \"none\"", ", \"tool_choice\": \"required\"",
                ", \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"now\"}}")) {
            Prompt.Chat c = chat("{" + messages + ", \"tools\": " + tools + choice + ", \"parallel_tool_calls\": false}");
            assertEquals(c, roundTrip(c), choice);
        }
        Prompt.Chat plain = chat("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertEquals(plain, roundTrip(plain));
    }

    @Test
    void namesAndReasoningComeBackAsTheyWent() throws Exception {
        Prompt.Chat c = chat("{\"messages\": [{\"role\": \"user\", \"content\": \"q\", \"name\": \"ann\"},"
                + " {\"role\": \"assistant\", \"reasoning_content\": \"thought\"},"
                + " {\"role\": \"assistant\", \"content\": \"a\", \"reasoning\": \"more\", \"name\": \"bot\"}]}");
        assertEquals(c, roundTrip(c));
        assertEquals("thought", roundTrip(c).messages().get(1).reasoning());
        assertEquals("ann", roundTrip(c).messages().get(0).name());
    }

    @Test
    void theRenderingFieldsComeBackAsTheyWentAndNeedMessages() throws Exception {
        Prompt.Chat c = chat("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\","
                + " \"content\": \"Hel\"}], \"add_generation_prompt\": false, \"continue_final_message\": true,"
                + " \"chat_template_kwargs\": {\"enable_thinking\": false}, \"documents\": [{\"title\": \"t\", \"text\": \"x\"}]}");
        assertEquals(c, roundTrip(c));
        var base = InferenceRequest.newBuilder().setRequestId("r").setModel("m").setSampling(Sampling.newBuilder().build())
                .setPrompt("hi");
        ChatMapping.refuseWithoutMessages(base.build());
        for (var r : List.of(InferenceRequest.newBuilder(base.build()).setAddGenerationPrompt(false).build(),
                InferenceRequest.newBuilder(base.build()).setChatTemplateKwargs("{}").build(),
                InferenceRequest.newBuilder(base.build()).setDocuments("[]").build())) {
            var e = assertThrows(EngineException.class, () -> ChatMapping.refuseWithoutMessages(r));
            assertTrue(e.getMessage().contains("goes with messages"), e.getMessage());
        }
        var bad = InferenceRequest.newBuilder(base.build()).setPrompt(null)
                .setMessages(List.of(new ChatMessage("user", "hi", null, null, null, null))).setChatTemplateKwargs("{\"tools\": 1}").build();
        assertEquals("chat_template_kwargs", assertThrows(EngineException.class, () -> ChatMapping.chat(bad)).param());
    }

    @Test
    void bothFilesDefineOneToolCall() {
        // each .avsc stands alone, so InferenceRequest's ChatMessage and Completion repeat the record: one type
        var inRequest = ChatMessage.getClassSchema().getField("tool_calls").schema().getTypes().get(1).getElementType();
        var inCompletion = Completion.getClassSchema().getField("tool_calls").schema().getTypes().get(1).getElementType();
        assertEquals(inRequest, inCompletion);
        assertEquals(ToolCall.getClassSchema(), inCompletion);
    }

    @Test
    void aBadToolChoiceOnTheRecordIsRefusedNamingTheField() {
        var r = InferenceRequest.newBuilder().setRequestId("r").setModel("m").setSampling(Sampling.newBuilder().build())
                .setMessages(List.of(new ChatMessage("user", "hi", null, null, null, null))).setToolChoice("required").build();
        assertEquals("tool_choice", assertThrows(EngineException.class, () -> ChatMapping.chat(r)).param());
        var badJson = InferenceRequest.newBuilder(r).setTools("[{").setToolChoice(null).build();
        assertEquals("tools", assertThrows(EngineException.class, () -> ChatMapping.chat(badJson)).param());
    }
}
