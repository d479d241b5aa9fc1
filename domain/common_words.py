"""Words of four letters or more that are also people's names, or that the partnership's texts use.

A child called Grace Hope Brown must not be named in a rationale, but "we hope the
review brings grace" must still be recordable: a known name's parts are screened on
their own only when they are not ordinary words (the full name is always screened).
Folded as the screen folds text: lower case, no accents.
"""

from __future__ import annotations

_GIVEN_NAMES_THAT_ARE_WORDS = """
    amber angel april aspen august autumn bill blaze blossom bonnie brook brooke buddy
    candy carol charity chase cherry clay clover coral crystal daisy dawn destiny dusty
    ebony eden ember faith fern flora forest frank gale gene genie ginger glen goldie
    grace grant guy happy harmony hazel heather holly honey hope hunter iris ivory jade
    jasmine jewel journey june justice king lark laurel liberty lily lucky mark marsh
    mason melody mercy miles misty nova olive opal pansy patience pearl penny peony pepper
    poppy precious prince princess queen rain raven reed river robin rock rocky rose rosemary
    ruby rusty saffron sage scarlet shadow sherry sky skye sonny spring star storm summer
    sunny sunshine tiger trinity true unity velvet violet willow will winter wren
    """
_SURNAMES_THAT_ARE_WORDS = """
    archer baker banks barber bird bishop black bond booth bowman bridge brown bull burn burns
    bush butcher butler carpenter carter chambers chapel church clark coates cole cook cooper
    cross dean drake driver duke dyer east english farmer field fields fish fisher fletcher
    ford forest foster fowler fox free freeman french friend frost gardener gold golden good
    gray green grey hall hand hardy harper head heart hill hills holmes horn house howe hunt
    joiner keen kemp knight lake lamb lane law lawless little long love lovely mann marshall
    mayor middle mill miller mills moon moore moss nash noble north oakes page painter palmer
    park parker parish parsons payne pike pool poole porter potter power price read reader
    rice rich richards rivers rowe salt sharp shaw shepherd short silver slater small smart
    snow south spencer steel stone storey street strong swan tanner taylor thatcher tower
    turner wall walker ward warden waters watts weaver webb well wells west white wild wilde
    winters wise wolf wood woods worth wright young
    """
_PARTNERSHIP_WORDS = """
    about above academy action actions adult adults after agency agencies agreed also annual
    april assurance audit audits august authority away before best board borough both care
    carer carers case cases chair child children clinical commissioning council court
    daughter december designated detective director early education every executive family
    february find finding findings first forum friday from further girl group have health
    helens home hospital independent into january july june learning local manager march
    meeting member merseyside monday month mother father nurse november nursing october
    officer once over panel parent parents partner partners partnership plan plans police
    practice protection quality rapid report review reviews safeguarding saturday school
    schools scrutiny section september service services sister brother social some son
    sunday support team than that their them then there they this thursday tuesday under
    wednesday week well were what when where which while will with within work year years
    young people person
    """

COMMON_WORDS: frozenset[str] = frozenset(
    (_GIVEN_NAMES_THAT_ARE_WORDS + _SURNAMES_THAT_ARE_WORDS + _PARTNERSHIP_WORDS).split()
)
