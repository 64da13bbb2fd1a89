"""Made-up names, bios and comments for the demo's twelve weeks of history."""

from __future__ import annotations

FIRST = (
    "Amira", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Harry", "Isla", "Jack", "Kiran",
    "Leah", "Mo", "Nadia", "Oliver", "Priya", "Rosie", "Sam", "Tariq", "Uma", "Wes", "Yasmin",
    "Zofia", "Callum", "Hannah", "Joe", "Megan", "Ruby", "Tom", "Aisha",
)  # fmt: skip
LAST = (
    "Ahmed", "Baker", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones",
    "Khan", "Lewis", "Morgan", "Nowak", "Owen", "Patel", "Roberts", "Singh", "Taylor", "Walsh",
)  # fmt: skip
BIOS = (
    "Mum of two. Coffee first.", "Proud dad, season ticket holder.", "Local councillor.",
    "Teaching assistant. Views my own.", "Grandparent and gardener.", "PTA volunteer.",
    "Running club on Sundays.", "Café owner on the high street.", "", "", "",
    "Community news for the town.", "Local bakery: fresh every morning.", "Football coach U10s.",
)  # fmt: skip
WATCHLIST_HITS = (
    ("{first} (yr 6)", "Year 6 at {school}, pupil, tiktok in bio"),
    ("Hot pics 18+", "onlyfans link below, DMs open"),
)

COMMENTS: dict[str, tuple[str, ...]] = {
    "positive": (
        "What a fantastic sports day, well done everyone!",
        "Thank you to all the staff for a brilliant nativity.",
        "That trip looked sick! The kids loved it.",
        "The choir absolutely killed it tonight 👏",
        "So proud of the Year 4 team, amazing result.",
        "Lovely to see the new library open, thank you.",
    ),
    "question": (
        "What time does the Christmas fair start on Saturday?",
        "Is the PE kit needed on Tuesdays or Thursdays this term?",
        "When do the after-school clubs start again?",
        "Are parents invited to the Year 2 assembly?",
        "Is there a uniform swap shop this half term?",
        "Where can I find the term dates for next year?",
    ),
    "complaint": (
        "The parking at pick-up is getting dangerous, something needs to be done.",
        "Homework is still not on the app, this keeps happening.",
        "Very disappointed that the trip letter came out with two days' notice.",
        "School dinners portion sizes have gone down a lot.",
    ),
    "other": (
        "@Sarah look at this!",
        "😍😍😍",
        "Anyone selling a size 7 blazer?",
        "Love this",
        "Happy Friday all",
    ),
    "spam": (
        "Earn £500 a day from home, DM me now!!!",
        "Congratulations you won a free iPhone, claim here: bit.ly/free-phone",
        "Invest in crypto with me, guaranteed returns 💰",
    ),
    "abuse": (
        "The head is a useless idiot and should be sacked.",
        "This school is a joke run by clowns, absolute morons.",
        "Disgusting staff, you should all be ashamed, pathetic.",
    ),
    "absence": (
        "Jake won't be in today, he has a temperature.",
        "Lily has a dentist appointment this morning, she'll be in after lunch.",
        "Sorry, Ava is off sick with a tummy bug.",
    ),
    "personal_data": (
        "Can someone from the office ring me back on 07700 900123 please.",
        "Please send the form to my email jo.parent@example.com.",
        "Our address changed to 12 Mill Lane, can you update it.",
    ),
    "safeguarding": (
        "I'm worried about a child I keep seeing alone at the gate late in the evening.",
        "A man has been taking photos of the children at the playground fence.",
    ),
}
REPLIES: dict[str, str] = {
    "question": "Thank you for asking: the details are in this week's newsletter.",
    "complaint": "We're sorry to hear this. Please ring the office so we can talk it through.",
    "positive": "Thank you, we're very proud of them!",
    "absence": "Please report absences to the absence line rather than here. Thank you.",
    "personal_data": "We've hidden your comment to protect your details; the office will call.",
    "safeguarding": "Thank you. Our Designated Safeguarding Lead will contact you privately.",
}
