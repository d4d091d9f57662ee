"""The templates jinja_probe.py renders: one idiom (or a few related ones) each, named by what they exercise.

Raw strings keep Jinja source as written in a template file: r"'\\t'" is the four characters ' \\ t ' of a Jinja
string literal, not a tab.
"""

CASES = {
    # --- scoping, loops, macros
    "set_scope": "{% set count = 0 %}{% for m in messages %}{% set count = count + 1 %}{% endfor %}{{ count }}",
    "ns_count": "{% set ns = namespace(c=0) %}{% for m in messages %}{% set ns.c = ns.c + 1 %}{% endfor %}{{ ns.c }}",
    "ns_concat": "{%- set ns = namespace(text='', roles=[]) %}{%- for m in messages %}"
                 "{%- set ns.text = ns.text ~ m.role[0] ~ (loop.index0 % 2) %}{%- endfor %}"
                 "{%- set s = '' %}{%- for m in messages %}{%- set s = s ~ m.role %}{%- endfor %}"
                 "{{ ns.text }}|{{ s }}|{% set s = s ~ 'x' %}{{ s }}",
    "set_in_if": "{% if messages|length > 1 %}{% set y = 'two+' %}{% else %}{% set y = 'one' %}{% endif %}{{ y }}",
    "break": "{% for m in messages %}{% if loop.index > 2 %}{% break %}{% endif %}{{ m.role }};{% endfor %}",
    "continue": "{% for m in messages %}{% if m.role == 'system' %}{% continue %}{% endif %}{{ m.role }};{% endfor %}",
    "loop_filter_else": "{% for m in messages if m.role != 'system' %}{{ loop.index }}{{ m.role[0] }}"
                        "{{ '.' if loop.last }}{% endfor %}|{% for x in [] %}x{% else %}empty{% endfor %}",
    "loop_vars": "{% for m in messages %}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}"
                 "{{ loop.length }}{% if not loop.first %}<{{ loop.previtem.role }}{% endif %}{% if not loop.last %}"
                 ">{{ loop.nextitem.role }}{% endif %}{{ loop.cycle('x','y') }}\n{% endfor %}",
    "alternation_index0": "{{ bos_token }}{% for message in messages %}"
                          "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
                          "{{ raise_exception('Roles must go user, assistant, user, ... (at ' ~ loop.index0 ~ ')') }}"
                          "{% endif %}[{{ message['role'] }}]{% endfor %}",
    "macro": "{% macro show(m, prefix='>') %}{{ prefix }}{{ m.role }}:{{ m.content|trim }}{% endmacro %}"
             "{% for m in messages %}{{ show(m) }}|{{ show(m, '#') }}|{{ show(m, prefix='@') }}\n{% endfor %}",
    "macro_caller": "{% macro tag(name) %}<{{ name }}>{{ caller() }}</{{ name }}>{% endmacro %}"
                    "{% macro turn(m) %}{% call tag(m.role) %}{{ m.content|trim }}{% endcall %}{% endmacro %}"
                    "{% for m in messages %}{{ turn(m) }}\n{% endfor %}",
    "macro_recursion": "{% macro nest(s) %}{% if s %}({{ nest(s[1:]) }}){% endif %}{% endmacro %}{{ nest(messages[0].role) }}|"
                       "{% macro walk(v) %}{% if v is mapping %}{% for k, x in v|items %}{{ k }}:{{ walk(x) }};{% endfor %}"
                       "{% elif v is string %}{{ v }}{% else %}?{% endif %}{% endmacro %}"
                       "{{ walk({'a': {'b': messages[-1].role, 'c': [1]}}) }}",
    "macro_recursion_endless": "{% macro each(s) %}{% for c in s %}{{ each(c) }}{% endfor %}{% endmacro %}"
                               "{{ each(messages[0].role) }}",
    "none_shadows_outer": "{% set v = messages[0].role %}{% macro show(v, depth=0) %}{% if depth == 0 %}{{ show(none, 1) }}"
                          "{% else %}[{{ v }}]{% endif %}{% endmacro %}{{ show(v) }}|"
                          "{% for v in [none, messages[-1].role] %}{{ v }};{% endfor %}|"
                          "{% for m in messages[:1] %}{% set v = none %}{{ v }}{% endfor %}{{ v }}|"
                          "{% macro each(args) %}{% if args is mapping %}{% for k, a in args|dictsort %}{{ k }}={{ each(a) }},"
                          "{% endfor %}{% else %}{{ args }}{% endif %}{% endmacro %}{{ each({'x': {'y': none, 'z': 1}}) }}",
    "call_with_args": "{% macro each(items) %}{% for i in items %}{{ caller(i, loop.index) }}{% endfor %}{% endmacro %}"
                      "{% call(m, n) each(messages) %}{{ n }}:{{ m.role }} {% endcall %}",
    "filter_block": "{% filter upper %}{% for m in messages %}{{ m.role }} {% endfor %}{% endfilter %}|"
                    "{% filter trim %}  {{ messages[0].content }}  {% endfilter %}|",
    "generation_tag": "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}|"
                      "{% endgeneration %}{% else %}{{ m.role }}|{% endif %}{% endfor %}",
    "set_block": "{% set greeting %}Hello {{ messages[1].role }}{% endset %}{{ greeting|upper }}",
    "if_chain": "{% for m in messages %}{% if m.role == 'system' %}S{% elif m.role == 'user' and not loop.last %}U"
                "{% elif m.role == 'user' %}LastU{% else %}A{% endif %}{% endfor %}",
    "system_split": "{% if messages[0]['role'] == 'system' %}{% set sys = messages[0]['content'] %}"
                    "{% set rest = messages[1:] %}{% else %}{% set sys = false %}{% set rest = messages %}{% endif %}"
                    "{% for m in rest %}{% if loop.first and sys %}{% set text = '<<' + sys + '>>\n' + m['content'] %}"
                    "{% else %}{% set text = m['content'] %}{% endif %}"
                    "{% if m['role'] == 'user' %}{{ bos_token + '[Q] ' + text.strip() + ' [/Q]' }}"
                    "{% else %}{{ ' ' + text.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
    "backwards_scan": "{% set ns = namespace(last_user=-1) %}{% for m in messages[::-1] %}"
                      "{% set i = (messages|length - 1) - loop.index0 %}"
                      "{% if ns.last_user == -1 and m.role == 'user' %}{% set ns.last_user = i %}{% endif %}"
                      "{% endfor %}{{ ns.last_user }}",
    "generation_prompt": "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}"
                         "{% if add_generation_prompt %}<|assistant|>\n{% endif %}{{ add_generation_prompt }}",
    # --- strings and Python methods
    "tilde": "{% for m in messages %}{{ m.role ~ '=' ~ loop.index }} {% endfor %}",
    "concat_types": "{{ 'n=' ~ 3 }} {{ 'b=' ~ true }} {{ 'x=' ~ none }} {{ 1 ~ 2 }} {{ 'l=' ~ [1, 'a'] }}",
    "format_filter": "{% for m in messages %}{{ '%s-%d'|format(m.role, loop.index) }} {% endfor %}",
    "str_format": "{% for m in messages %}{{ '{}:{}'.format(m.role, loop.index0) }} {% endfor %}"
                  "{{ '{0}{1}{0}'.format('a', 'b') }} {{ '{name}!'.format(name='x') }} {{ '{{x}}'.format() }}",
    "str_methods": "{% for m in messages %}{{ m.role.upper() }} {{ m.content.lower() }} {{ m.content.title() }} "
                   "{{ m.role.capitalize() }} {{ m.content.startswith(' ') }} {{ m.content.endswith('?') }}|{% endfor %}",
    "str_methods2": "{% set c = messages[1].content %}{{ c.replace('o', '0') }}|{{ c.replace('o', '0', 1) }}|"
                    "{{ c.find('o') }}|{{ c.find('zz') }}|{{ c.count('o') }}|{{ 'a-b-c'.rsplit('-', 1) }}|"
                    "{{ 'l1\nl2\n'.splitlines() }}|{{ '42'.isdigit() }}|{{ \"it's ok\".title() }}",
    "join_method": "{{ ', '.join(messages|map(attribute='role')|list) }}|{{ ''.join(['a', 'b']) }}",
    "batch_slice_truncate": "{{ [1, 2, 3, 4, 5]|batch(2)|list }}|{{ [1, 2, 3, 4, 5]|batch(2, 'x')|list }}|"
                            "{{ messages|map(attribute='role')|slice(3)|list }}|{{ [1, 2, 3, 4, 5]|slice(3, 0)|list }}|"
                            "{{ messages[1].content|truncate(9) }}|{{ messages[1].content|truncate(9, true) }}|"
                            "{{ 'hello world foo'|truncate(9, false, '..', 0) }}|{{ 'hello'|truncate(3) }}",
    "loop_changed": "{% for m in messages %}{% if loop.changed(m.role) %}<{{ m.role }}>{% endif %}"
                    "{% if loop.changed(m.role, loop.index is even) %}*{% endif %}{% endfor %}",
    "str_methods3": "{% set c = messages[0].content %}{{ c.rfind('e') }}|{{ c.index(c[-1]) }}|{{ c.rindex(c[0]) }}|"
                    "{{ c.ljust(30, '.') }}|{{ c.rjust(30) }}|{{ c.center(31, '*') }}|{{ '-5'.zfill(4) }}|"
                    "{{ c.swapcase() }}|{{ c.partition(' ')[2] }}|{{ c.rpartition(' ')[0] }}|{{ c.partition('zz')[0] }}",
    "replace_filter": "{{ messages[0].content|replace('', '-') }}|{{ 'aaa'|replace('a', 'b', 2) }}|"
                      "{{ messages[0].content|replace(' ', '_')|replace('.', '') }}",
    "str_index_missing": "{{ messages[0].content.index('zz') }}",
    "bool_numbers": "{{ true|int }}|{{ false|int }}|{{ (messages|length > 1)|int + 1 }}|{{ '7'|int }}|{{ 'x'|int }}|"
                    "{{ 3.7|int }}|{{ true|float }}|{{ 1 in [true] }}|{{ 0 in [false] }}",
    "split_remainder": "{{ '  a b  c  '.split(None, 1) }}|{{ 'a b'.split(None, 0) }}|{{ '  a  '.split(None, 0) }}|"
                       "{{ ' x '.split(None, 5) }}|{{ (messages[0].content ~ '  ').split(None, 2) }}|"
                       "{{ '  a b  c  '.rsplit(None, 1) }}|{{ ' a '.rsplit(None, 0) }}|{{ ' a  b '.rsplit(None, 9) }}",
    "strip_args": "{{ 'xxhixx'.strip('x') }} {{ '--a--'.lstrip('-') }} {{ '--a--'.rstrip('-') }} {{ 'a b  c'.split() }} "
                  "{{ 'a,b'.split(',', 1) }}",
    "reasoning_split": "{% for m in messages %}{% set c = m.content %}{% if '</think>' in c %}"
                       "{% set r = c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}"
                       "{% set c = c.split('</think>')[-1].lstrip('\\n') %}[{{ r }}]{% endif %}{{ c|trim }}|{% endfor %}",
    "trim_precedence": "{% for m in messages %}{{ '<|' + m.role + '|>\n' + m.content | trim + '<|end|>\n' }}{% endfor %}"
                       "{{ ('  x' + '  ') | trim }}|{{ '  a ' ~ ' b  ' | trim }}|",
    "escapes": r"{{ '\u2581x' }}|{{ 'a\tb' }}|{{ " + '"q\'uote"' + r" }}|{{ 'back\\slash' }}|{{ '\n'|length }}|"
               r"{{ '\x41\U0001F600' }}|{{ 'q\'s' }}|{{ " + r'"d\"q"' + " }}",
    "escape_in_method": r"{% for m in messages %}{{ m.content.replace('\n', '\\n').replace('\t', '\u2192') }}|"
                        r"{% endfor %}",
    "braces_in_strings": "{{ '{{' }}x{{ '}}' }} {{ '{% if %}' }} {{ \"{# c #}\" }} {{ '{' ~ '}' }} {{ ' }} ' }}",
    "raw_block": "{% raw %}{{ bos_token }}{% if x %}{% endraw %}{{ bos_token }}\n{% raw -%}\n  a {{ b }}\n{%- endraw %}|",
    "string_in": "{{ 'joke' in messages[-1].content }} {{ 'x' not in 'abc' }} "
                 "{{ 'user' in messages|map(attribute='role')|list }}",
    "in_operators": "{% for m in messages %}{{ m.role in ['user', 'assistant'] }}{{ m.role not in ('system',) }} "
                    "{% endfor %}{{ 'role' in messages[0] }} {{ 'x' in messages[0] }} {{ 'ell' in 'hello' }}",
    "string_truthiness": "{% for s in ['false', 'False', '0', ' ', '', 'None'] %}{% if s %}T{% else %}F{% endif %}"
                         "{% endfor %}|{% for m in messages %}{{ 'T' if m.content else 'F' }}"
                         "{{ (m.content and 'Y') or 'N' }}{% if not m.content %}!{% endif %}{% endfor %}",
    # --- printing values
    "none_true": "{% set x = none %}{{ x is none }} {{ True }} {{ true }} {{ None is none }} {{ x }}|{{ false|string }}",
    "print_values": "{{ [true, false, none] }} {{ {'a': none, 'b': true} }} {{ 1.0 }} {{ 2.50 }} {{ 10 / 4 }} "
                    "{{ 3 / 3 }} {{ \"it's\" }} {{ [\"it's\", 'q'] }} {{ messages[0] }}",
    "range_list": "{% for i in range(1, 6, 2) %}{{ i }}{% endfor %}|{{ range(3)|list }}|{{ [1, 'a', none] }}|{{ {'a': 1} }}",
    "tests": "{% for m in messages %}{{ m.content is string }}{{ m is mapping }}{{ messages is iterable }}"
             "{{ m.missing is defined }}{{ m.missing is undefined }}{{ 3 is number }}{{ 4 is even }}{% endfor %}",
    "content_parts": "{%- set parts = [{'type': 'text', 'text': 'part A'}, {'type': 'image'}, "
                     "{'type': 'text', 'text': 'part B'}] %}"
                     "{%- for m in messages + [{'role': 'user', 'content': parts}] %}"
                     "{%- if m['content'] is string %}{{ m['role'] }}: {{ m['content'] }}\n"
                     "{%- else %}{{ m['role'] }}: {% for p in m['content'] %}{% if p['type'] == 'text' %}{{ p['text'] }}"
                     "{% elif p.type == 'image' %}<image>{% endif %}{% endfor %}\n{%- endif %}{%- endfor %}"
                     "{{ parts is sequence }}{{ parts[0] is mapping }}{{ 'x' is sequence }}",
    # --- filters
    "filters1": "{{ messages|length }} {{ (messages|first).role }} {{ (messages|last).role }} "
                "{{ messages|map(attribute='role')|unique|join(',') }} {{ messages|map(attribute='role')|reverse|join(',') }}",
    "filters2": "{{ messages|sort(attribute='role')|map(attribute='role')|join(',') }} {{ '42'|int + 1 }} "
                "{{ 3|string ~ 'x' }} {{ 'hello world'|title }} {{ 'abc'|capitalize }} {{ 'a b c'|wordcount }}",
    "sort_variants": "{{ ['b', 'A', 'c']|sort|join }} {{ ['b', 'A', 'c']|sort(reverse=true)|join }} "
                     "{{ ['b', 'A', 'c']|sort(case_sensitive=true)|join }} {{ [3, 1, 2]|sort|join }} "
                     "{{ messages|sort(attribute='content', reverse=true)|map(attribute='role')|join(',') }}",
    "selectattr": "{{ messages|selectattr('role', 'equalto', 'user')|list|length }} "
                  "{{ messages|rejectattr('role', 'equalto', 'user')|map(attribute='role')|join(',') }} "
                  "{{ messages|selectattr('role', 'in', ['system', 'assistant'])|list|length }}",
    "selectattr2": "{% set users = messages|selectattr('role', 'eq', 'user')|list %}{{ users|length }} "
                   "{{ (messages|rejectattr('role', 'ne', 'user')|first).content }} "
                   "{{ messages|map(attribute='role')|select('ne', 'system')|join(' ') }} "
                   "{{ messages|map(attribute='content')|map('length')|join(',') }} "
                   "{{ messages|map(attribute='role')|map('upper')|join }}",
    "length_math": "{{ messages|length }} {{ messages|length - 1 }} {% for m in messages %}"
                   "{% if loop.index0 == messages|length - 1 %}L{% endif %}{% if loop.index == loop.length %}!{% endif %}"
                   "{% endfor %}",
    "indent_center": "{{ 'a\\nb'|indent(2) }}|{{ 'x'|center(5) }}|{{ 'abc'|replace('b', 'B') }}|{{ '  pad  '|trim }}|"
                     "{{ 'x,y'.split(',')|join('+') }}",
    "dictsort_items": "{% for k, v in {'b': 2, 'a': 1}|dictsort %}{{ k }}{{ v }}{% endfor %}|"
                      "{% for k, v in {'b': 2, 'a': 1}|items %}{{ k }}{{ v }}{% endfor %}",
    "dict_get": "{% set d = {'a': 1, 'b': 'two'} %}{{ d.get('a') }} {{ d.get('z', 'dflt') }} {{ d['b'] }} "
                "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
    "dict_methods": "{% set d = {'a': 1, 'b': none} %}{{ d.keys()|list }} {{ d.values()|list }} {{ d|length }} "
                    "{{ d.get('z') }} [{{ d['zz'] }}] {{ d.b }} {% for k in d %}{{ k }}{% endfor %}",
    "missing_attributes": "{{ messages[0].content.text }}|{{ messages.role }}|{{ messages[9] is defined }}|"
                          "{% macro m(a, b, c=none) %}{{ b is defined }}{{ c is none }}[{{ b }}]{% endmacro %}{{ m(1) }}|"
                          "{{ m(1, 2) }}",
    "for_over_none": "{% for x in none %}x{% endfor %}",
    "default_filter": "{{ undefined_var|default('d') }} {{ messages[0].nope|default('n') }} {{ ''|default('e', true) }} "
                      "{{ none|default('z') }}",
    "undefined_vs_none": "{{ tools is defined }} {{ tools is none }} {{ undefined_x is defined }} "
                         "{{ messages[0].nope is none }} {{ undefined_x|length }}"
                         "{% if tools is defined and tools is not none %}T{% else %}F{% endif %}",
    "tojson_opts": "{{ messages[1]|tojson }}\n{{ messages[1]|tojson(indent=2) }}\n{{ {'b':1,'a':[1,2]}|tojson }}\n"
                   "{{ 'é'|tojson }}\n{{ {'k': none, 't': true, 'f': 1.5}|tojson }}",
    "tojson_more": "{{ {'b': [], 'a': {}, 'c': [1, {'d': 'é'}]}|tojson(indent=4) }}\n"
                   "{{ {'b': 1, 'a': [1, 2]}|tojson(separators=(',', ':')) }}\n{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}\n"
                   "{{ 'é😀\\u0001'|tojson(ensure_ascii=true) }}\n{{ messages|tojson }}",
    # --- numbers, slices, comparisons
    "arith": "{{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 5 }} {{ 7 / 2 }} {{ 1 < 2 < 3 }} {{ -3|abs }} {{ [1,2,3]|sum }} "
             "{{ [3,1,2]|max }}",
    "numbers": "{{ -7 // 2 }} {{ -7 % 3 }} {{ 3.9|int }} {{ '3.5'|float }} {{ 7|float }} {{ 0.1 + 0.2 }} "
               "{{ 2 ** 0.5 }} {{ 10 ** 12 }}",
    "power": "{{ 2 * 3 ** 2 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 10 // 3 * 3 }} {{ 7 % 4 * 2 }} {{ 8 / 2 ** 2 }}",
    "chained_compare": "{% for m in messages %}{{ 0 < loop.index0 < loop.length - 1 }}{% endfor %} {{ 1 < 3 > 2 }} "
                       "{{ 3 > 2 > 2 }}",
    "slices": "{{ messages[1:]|length }} {{ messages[:-1]|length }} {{ messages[-1].role }} "
              "{{ messages[::2]|map(attribute='role')|join(',') }} {{ 'abcdef'[1:4] }} {{ 'abcdef'[::-1] }}",
    "slices_step": "{{ messages[1::2]|map(attribute='role')|join(',') }} {{ 'abcdef'[::2] }} {{ 'abcdef'[-2:] }} "
                   "{{ [1, 2, 3, 4][::-2] }} {{ messages[-2:]|length }} {% for m in messages[1:][::-1] %}{{ m.role[0] }}"
                   "{% endfor %}",
    "if_expression": "{% for m in messages %}[{{ 'S' if m.role == 'system' }}]{{ 'u' if m.role == 'user' else 'o' }}"
                     "{% endfor %}",
    "raise_msg": "{% if messages|length > 3 %}{{ raise_exception('too many: ' ~ messages|length) }}{% endif %}ok",
    "sandbox_mutation": "{% set ns = namespace(xs=[]) %}{% set ns.xs = ns.xs + [1] %}{{ ns.xs }}{% set ys = [1] %}"
                        "{{ ys.append(2) }}{{ ys }}",
    "raise_on_role": "{% for m in messages %}{% if m.role not in ['system', 'user', 'assistant'] %}"
                     "{{ raise_exception('Unknown role: ' + m.role) }}{% endif %}{% if m.content == 'false' %}"
                     "{{ raise_exception(\"Message {0} says false\".format(loop.index)) }}{% endif %}{% endfor %}ok",
    # --- more idioms of published templates
    "test_after_filter": "{{ messages|length is even }} {{ messages|length is not odd }} "
                         "{{ messages|selectattr('tool_calls', 'undefined')|list|length }} {{ 'user' is in ['user'] }}",
    "not_forms": "{% if not undefined_x is defined %}A{% endif %}{{ not(true and false) }}"
                 "{% for m in messages %}{% if not(m.content.startswith('<think>') and m.content.endswith('  ')) %}{{ m.role[0] }}"
                 "{% endif %}{% endfor %}",
    "not_precedence": "{% set tools = [1] %}{% if not tools is defined %}dropped{% else %}kept{% endif %}|{{ not tools is none }}|"
                      "{% for m in messages %}{{ not m.role == 'user' }}{{ not m.content is string }}{{ m.content is iterable }}"
                      "{{ not loop.first and m.role != 'system' }};{% endfor %}|{{ not 1 in [1] }}{{ not 0 < 1 }}{{ 3 is iterable }}"
                      "{{ not not 'a' }}",
    "keyword_expressions": "{% set ns = namespace(last=messages|length - 1, first=0+1, both=[1, 2]|length * 2) %}"
                           "{{ ns.last }}{{ ns.first }}{{ ns.both }}|{{ messages[:ns.last+1]|length }}{{ messages[ns.first-1:]|length }}"
                           "|{{ 2+3 }}{{ (1+1)*3 }}{{ 7-+2 }}",
    "parenthesised_values": "{% set table = ({\"a\": 1, \"b\": 2,}) %}{% for k in table %}{{ k }}={{ table[k] }};{% endfor %}"
                            "|{{ (1) }}{{ (1,)|length }}{{ ()|length }}{{ ((1, 2), [3, (4, 5)])|length }}"
                            "|{{ messages.0.role }}{{ messages[-1].content.0 }}{{ [7, 8].1 }}",
    "plus_types": "{{ 'a' + 'b' }}{{ [1] + [2] }}{{ 1.5 + 1 }}{{ messages[0].role + ': ' + messages[0] }}",
    "dictsort_and_map": "{% set d = {'b': 2, 'A': 3, 'c': 1} %}{% for k, v in d|dictsort(reverse=true) %}{{ k }}{{ v }}{% endfor %}"
                        "|{% for k, v in d|dictsort(by='value') %}{{ k }}{% endfor %}|{% for k, v in d|dictsort(true) %}{{ k }}{% endfor %}"
                        "|{{ [{'m': {'p': 2}}, {'m': {'p': 1}}]|sort(attribute='m.p')|map(attribute='m.p')|join(',') }}"
                        "|{{ messages|map(attribute='role')|join(',') }}|{{ [[1, 2], [3, 4]].1.0 }}",
    "bool_equality": "{{ true == 1 }}{{ false != 0 }}{{ 2 == true }}{{ 1 == 1.0 }}"
                     "{% for m in messages %}{{ (m.role == 'user') == (loop.index0 % 2 == 0) }}{{ loop.first == 1 }}{% endfor %}",
    "sequence_filters": "{{ 'abc'|first }}|{{ []|first }}|{{ 'abc'|last }}|{{ 'abc'|list }}|{{ 'abc'|reverse }}|"
                        "{{ ['a', 'A', 'b']|unique|list }}|{{ '=' * 3 }}{{ [0] * 2 }}|{{ (messages|last).role }}",
    "dict_access": "{{ messages[0].get('missing') }}|{{ messages[0].get('role') }}|"
                   "{% for k, v in messages[0].items() %}{{ k }}={{ v|length }};{% endfor %}|{{ messages[0] == messages[-1] }}|"
                   "{{ 'tool_calls' in messages[0] }}|{{ messages[0].content[0] }}|{{ messages[0]['content'][-1] }}|"
                   "{% for m in messages %}{% for k in m.keys() %}{{ k[0] }}{% endfor %}{{ m.get('role')[0] }}{% endfor %}",
    "dict_global": "{{ dict(role=messages[0].role, n=messages|length) }}|{{ dict(a=none, b=[1])|tojson }}|{{ dict() }}|"
                   "{{ dict({'z': 1}, y=2) }}|{{ dict([['k', messages[-1].role]]).k }}|"
                   "{% for k, v in dict(x=1, w=2).items() %}{{ k }}{{ v }}{% endfor %}|{{ 'x' in dict(x=0) }}",
    "none_attribute": "{% set x = none %}[{{ x.role }}]{{ x.role is defined }}{{ x['k'] is none }}{{ x[0]|default('d') }}"
                      "{% for m in messages %}{{ (m.content if m.role == 'system' else none).length is defined }}{% endfor %}",
    "namespace_none": "{% set ns = namespace(found=none, n=0) %}{% for m in messages %}{% if ns.found is none and m.role == 'user' %}"
                      "{% set ns.found = loop.index0 %}{% endif %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.found }}/{{ ns.n }}|"
                      "{{ namespace(a=none).a is none }}{{ namespace({'k': messages[0].role}, j=2).k }}",
    "plus_none": "{% for m in messages %}{{ '[' + m.role + ']' }}{% endfor %}{{ 'x' + messages[0].get('name') }}",
    "plus_undefined": "{% for m in messages %}{{ m.role + '|' }}{% endfor %}{{ messages[0].nope + 'x' }}",
    "or_values": "{{ undefined_x or 'dflt' }}|{{ messages[0].nope or messages[0].role }}|{{ ('' or none) is none }}|"
                 "{{ [] or 'empty' }}|{{ (messages[0].content or '')|trim }}",
    "namespace_empty": "{% set ns = namespace() %}{% set ns.index = 0 %}{% for m in messages %}{% if m.role == 'user' %}"
                       "{% set ns.index = loop.index0 %}{% endif %}{% endfor %}{{ ns.index }}",
    "percent_format": "{{ '%.2f'|format(2.675) }}|{{ '%5s|%-5s|%05d' % ('a', 'b', 42) }}|"
                      "{{ '%s has %d' % (messages[0].role, messages|length) }}|{{ '%r' % messages[0].role }}|{{ '%d%%' % 50 }}",
    "tool_guards": "{%- if tools is not none and tools|length > 0 %}T{% else %}N{% endif %}{%- if documents %}D{% endif %}"
                   "{%- if not tools_in_user is defined %}{% set tools_in_user = true %}{% endif %}{{ tools_in_user }}"
                   "{%- if strftime_now is defined %}{{ ' has a date' }}{% else %}{{ ' 26 Jul 2024' }}{% endif %}",
    "macro_output_filtered": "{% macro fmt(m) %}  {{ m.role|upper }}  {% endmacro %}"
                             "{% for m in messages %}[{{ fmt(m)|trim }}]{% endfor %}",
    "nested_loops": "{% for m in messages %}{% set i = loop.index %}{% for c in m.role[:2] %}{{ i }}{{ loop.index }}{{ c }}"
                    "{% endfor %};{% endfor %}{% set a, b = 1, 2 %}{{ a }}{{ b }}",
    "round_indent": "{{ 2.5|round }} {{ 3.14159|round(2) }} {{ 7.5|round(0, 'floor') }} {{ 3|round }} {{ 2 ** -1 }} "
                    "{{ 10 ** 20 }}|{{ 'x'|indent(2, true) }}|{{ 'A\nB\n\nC'|indent(first=true) }}|"
                    "{{ 'A\n\nB'|indent(2, blank=true) }}|{{ messages[-1].content|indent(4) }}",
    # --- whitespace
    "ws_control": "A  {%- for m in messages -%}\n  {{- m.role -}}  \n{%- endfor -%}  B\n  {{ 'c' }}  \n{%- if true %}\n"
                  "  d\n{% endif %}",
    "ws_combos": "<{{- ' a ' -}}>\n  {#- comment -#}\n  [{%- if true -%} x {%- endif -%}]\n"
                 "  {%+ if true %}kept indent{% endif %}\n\t{% if true %}\ttab{% endif %}\n"
                 "{% for m in messages %}\n  {{ m.role }}\n{% endfor %}\n  {# c #}\nend\n",
    "ws_comment_lines": "{# header comment #}\n{%- for m in messages %}\n    {# per message #}\n    {{- m.role }}\n"
                        "{%- endfor %}\n\n{#- trailing #}   \nX",
    "ws_comments": "{% if true %}{# c #}\n\nfoo{% endif %}|{% if true -%}{# c #}  foo{% endif %}|x {# c #}\n"
                   "{% if true %}y{% endif %}|a\n  {#+ c #}x|a {#- c -#}\n\n  b|\n  {# c #}\n  {% if true %}z{% endif %}",
    "raw_whitespace": "A\n{% raw %}\nx\n  {% endraw %}\nB|A  {%- raw -%}  \n x \n  {%- endraw -%}  \n B|"
                      "{% raw %}  {% if %}\n  {# c #}{{ 'it\\'s' }}{% endraw %}|\n  {% raw %}y{% endraw %}  \nC",
    "crlf_source": "{% for m in messages %}\r\n<{{ m.role }}>\r\n{% endfor %}\r\n{{ 'a\r\nb' }}\r\n\r\n",
    "plain_trim_lstrip": "{% for m in messages %}\n    <{{ m.role }}>\n    {%- if m.role == 'user' %}\n        U\n"
                         "    {% endif %}\n{% endfor %}\nend\n",
}
