package dev.invariant.cli;

/**
 * The replay's prompt: a ReAct agent transcript of exactly {@value #LENGTH} characters (the seed report's prompt
 * length) that ends where a model writes {@code Observation:}, the report's stop string (docs/seed-report.md).
 * Fixed text: LangChain's ReAct instructions, three tools, a question and two finished Thought/Action/Observation
 * rounds; the first observation is a search snippet cut from {@link #FILLER} to whatever length makes the total
 * exact (ending in "...", as search tools cut them), and the transcript ends with a third Action Input and its
 * newline.
 */
final class SeedReportPrompt {
    static final int LENGTH = 2767;

    private static final String HEAD = """
            Answer the following questions as best you can. You have access to the following tools:

            search: A search engine backed by a news index. Useful when you need to answer questions about current \
            events, people or places. Input should be a search query.
            calculator: Useful when you need to answer questions about arithmetic. Input should be a single \
            mathematical expression that Python can evaluate.
            weather: Current weather and a three-day forecast for a city. Input should be the name of a city.

            Use the following format:

            Question: the input question you must answer
            Thought: you should always think about what to do
            Action: the action to take, should be one of [search, calculator, weather]
            Action Input: the input to the action
            Observation: the result of the action
            ... (this Thought/Action/Action Input/Observation can repeat N times)
            Thought: I now know the final answer
            Final Answer: the final answer to the original input question

            Begin!

            Question: The harbour city that hosted the 2026 sailing championship: what is the temperature there \
            now, and by how many degrees would it have to rise to reach the record high reported during the event?
            Thought: I need to find out which city hosted the 2026 sailing championship and the record temperature \
            reported during the event.
            Action: search
            Action Input: 2026 sailing championship host city record temperature
            Observation:""";

    private static final String MIDDLE = """

            Thought: The championship was held in Valletta and the record high during the event was 38.4 degrees \
            Celsius. Now I need the current temperature in Valletta.
            Action: weather
            Action Input: Valletta
            Observation: Valletta, Malta. Now: 27.9 degrees Celsius, wind 14 km/h from the north-west, humidity 61 \
            percent. Tomorrow: 29.0 / 22.5. Day after: 30.2 / 23.1. Third day: 28.7 / 22.0.
            Thought: The current temperature is 27.9 degrees and the record is 38.4 degrees, so I need the \
            difference between the two.
            Action: calculator
            Action Input: 38.4 - 27.9
            """;

    /** Search results the first observation is cut from. */
    private static final String FILLER = "The 2026 Mediterranean Sailing Championship took place in Valletta, Malta,"
            + " from 14 to 27 June, with 412 crews from 38 countries racing in the Grand Harbour and off the coast of"
            + " Sliema. Organisers reported the hottest championship on record: on 22 June the temperature at the"
            + " regatta village reached 38.4 degrees Celsius, and two races were postponed to the evening to protect"
            + " crews and volunteers. The overall title went to the Danish crew of Havørn, who won six of the eleven"
            + " races; the Maltese crew of Sirocco finished third after a protest hearing that lasted until midnight."
            + " The city council announced that the championship will return in 2030, with a new marina at Marsa"
            + " and a fleet of electric support boats. Local businesses reported record numbers of visitors during"
            + " the two weeks of racing, and the harbour ferry service added late crossings on every race day. A"
            + " heat advisory issued by the national weather service remained in force for four days, and organisers"
            + " distributed more than 60,000 bottles of water to spectators along the waterfront promenade.";

    private SeedReportPrompt() {
    }

    static String build() {
        // " " + the snippet cut to fit + "...", as search tools cut their results
        int room = LENGTH - HEAD.length() - MIDDLE.length() - 4;
        if (room < 1 || room > FILLER.length()) {
            throw new IllegalStateException("the seed prompt's fixed text leaves " + room + " characters for the"
                    + " first observation; adjust FILLER");
        }
        return HEAD + " " + FILLER.substring(0, room) + "..." + MIDDLE;
    }
}
