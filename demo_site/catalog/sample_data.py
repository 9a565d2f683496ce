"""Public-domain books and their authors, loaded by ``manage.py demo`` into an empty catalogue."""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from demo_site.catalog.models import Author, Book, BookInstance, Genre, Language

# (first name, last name, born, died)
AUTHORS = {
    "austen": ("Jane", "Austen", (1775, 12, 16), (1817, 7, 18)),
    "dickens": ("Charles", "Dickens", (1812, 2, 7), (1870, 6, 9)),
    "shelley": ("Mary", "Shelley", (1797, 8, 30), (1851, 2, 1)),
    "melville": ("Herman", "Melville", (1819, 8, 1), (1891, 9, 28)),
    "twain": ("Mark", "Twain", (1835, 11, 30), (1910, 4, 21)),
    "tolstoy": ("Leo", "Tolstoy", (1828, 9, 9), (1910, 11, 20)),
    "dostoevsky": ("Fyodor", "Dostoevsky", (1821, 11, 11), (1881, 2, 9)),
    "hugo": ("Victor", "Hugo", (1802, 2, 26), (1885, 5, 22)),
    "dumas": ("Alexandre", "Dumas", (1802, 7, 24), (1870, 12, 5)),
    "verne": ("Jules", "Verne", (1828, 2, 8), (1905, 3, 24)),
    "cervantes": ("Miguel", "de Cervantes", (1547, 9, 29), (1616, 4, 22)),
    "goethe": ("Johann Wolfgang", "von Goethe", (1749, 8, 28), (1832, 3, 22)),
    "doyle": ("Arthur", "Conan Doyle", (1859, 5, 22), (1930, 7, 7)),
    "wells": ("H. G.", "Wells", (1866, 9, 21), (1946, 8, 13)),
    "stoker": ("Bram", "Stoker", (1847, 11, 8), (1912, 4, 20)),
    "cbronte": ("Charlotte", "Brontë", (1816, 4, 21), (1855, 3, 31)),
    "ebronte": ("Emily", "Brontë", (1818, 7, 30), (1848, 12, 19)),
    "wilde": ("Oscar", "Wilde", (1854, 10, 16), (1900, 11, 30)),
    "carroll": ("Lewis", "Carroll", (1832, 1, 27), (1898, 1, 14)),
    "hawthorne": ("Nathaniel", "Hawthorne", (1804, 7, 4), (1864, 5, 19)),
    "alcott": ("Louisa May", "Alcott", (1832, 11, 29), (1888, 3, 6)),
    "poe": ("Edgar Allan", "Poe", (1809, 1, 19), (1849, 10, 7)),
    "flaubert": ("Gustave", "Flaubert", (1821, 12, 12), (1880, 5, 8)),
    "kafka": ("Franz", "Kafka", (1883, 7, 3), (1924, 6, 3)),
}

# (title, author, first published, language, genres, summary)
BOOKS = [
    (
        "Pride and Prejudice",
        "austen",
        1813,
        "English",
        ["Romance", "Satire"],
        "Elizabeth Bennet and Mr Darcy misjudge each other in the drawing rooms of Hertfordshire.",
    ),
    (
        "Emma",
        "austen",
        1815,
        "English",
        ["Romance", "Satire"],
        "A clever, rich young woman plays matchmaker and misreads nearly every heart.",
    ),
    (
        "Sense and Sensibility",
        "austen",
        1811,
        "English",
        ["Romance"],
        "Two sisters, one prudent and one passionate, face love and loss.",
    ),
    (
        "Persuasion",
        "austen",
        1817,
        "English",
        ["Romance"],
        "Eight years after breaking an engagement, Anne Elliot meets Captain Wentworth again.",
    ),
    (
        "Northanger Abbey",
        "austen",
        1817,
        "English",
        ["Satire", "Gothic"],
        "A young reader of gothic novels imagines dark secrets in an old abbey.",
    ),
    (
        "Mansfield Park",
        "austen",
        1814,
        "English",
        ["Romance"],
        "Fanny Price grows up as the poor relation in her wealthy uncle's house.",
    ),
    (
        "Great Expectations",
        "dickens",
        1861,
        "English",
        ["Coming of age"],
        "The orphan Pip is raised to be a gentleman by a benefactor he does not know.",
    ),
    (
        "A Tale of Two Cities",
        "dickens",
        1859,
        "English",
        ["Historical"],
        "London and Paris before and during the French Revolution.",
    ),
    (
        "Oliver Twist",
        "dickens",
        1838,
        "English",
        ["Coming of age"],
        "An orphan escapes the workhouse and falls in with a gang of London pickpockets.",
    ),
    (
        "David Copperfield",
        "dickens",
        1850,
        "English",
        ["Coming of age"],
        "A life told by the man who lived it, from a hard childhood to literary success.",
    ),
    (
        "Bleak House",
        "dickens",
        1853,
        "English",
        ["Satire", "Detective"],
        "An endless inheritance case in the Court of Chancery ruins everyone it touches.",
    ),
    (
        "A Christmas Carol",
        "dickens",
        1843,
        "English",
        ["Fantasy"],
        "Three spirits visit the miser Ebenezer Scrooge on Christmas Eve.",
    ),
    (
        "Frankenstein",
        "shelley",
        1818,
        "English",
        ["Gothic", "Science fiction"],
        "A young scientist gives life to a creature and then abandons it.",
    ),
    (
        "Moby-Dick",
        "melville",
        1851,
        "English",
        ["Adventure"],
        "Captain Ahab hunts the white whale that took his leg.",
    ),
    (
        "Bartleby, the Scrivener",
        "melville",
        1853,
        "English",
        ["Satire"],
        "A Wall Street copyist answers every request with 'I would prefer not to'.",
    ),
    (
        "Adventures of Huckleberry Finn",
        "twain",
        1884,
        "English",
        ["Adventure", "Satire"],
        "Huck and Jim, a man escaping slavery, travel down the Mississippi on a raft.",
    ),
    (
        "The Adventures of Tom Sawyer",
        "twain",
        1876,
        "English",
        ["Adventure", "Coming of age"],
        "A boy's summers on the Mississippi: whitewashed fences, caves and buried treasure.",
    ),
    (
        "A Connecticut Yankee in King Arthur's Court",
        "twain",
        1889,
        "English",
        ["Satire", "Science fiction"],
        "A nineteenth-century engineer wakes up at Camelot and sets about modernising it.",
    ),
    (
        "War and Peace",
        "tolstoy",
        1869,
        "Russian",
        ["Historical"],
        "Five aristocratic families through the Napoleonic invasion of Russia.",
    ),
    (
        "Anna Karenina",
        "tolstoy",
        1878,
        "Russian",
        ["Romance"],
        "A married woman's affair with Count Vronsky, and a landowner's search for meaning.",
    ),
    (
        "Crime and Punishment",
        "dostoevsky",
        1866,
        "Russian",
        ["Philosophical"],
        "A poor student in St Petersburg commits a murder and cannot escape his conscience.",
    ),
    (
        "The Brothers Karamazov",
        "dostoevsky",
        1880,
        "Russian",
        ["Philosophical"],
        "Three brothers, their father's murder, and the question of faith.",
    ),
    (
        "The Idiot",
        "dostoevsky",
        1869,
        "Russian",
        ["Philosophical"],
        "A good and guileless prince returns to Russian society, with tragic results.",
    ),
    (
        "Les Misérables",
        "hugo",
        1862,
        "French",
        ["Historical"],
        "The ex-convict Jean Valjean, pursued for decades by the inspector Javert.",
    ),
    (
        "The Hunchback of Notre-Dame",
        "hugo",
        1831,
        "French",
        ["Historical", "Gothic"],
        "Quasimodo, the bell-ringer of Notre-Dame, and the dancer Esmeralda.",
    ),
    (
        "The Count of Monte Cristo",
        "dumas",
        1844,
        "French",
        ["Adventure"],
        "Wrongly imprisoned, Edmond Dantès escapes, finds a fortune and takes his revenge.",
    ),
    (
        "The Three Musketeers",
        "dumas",
        1844,
        "French",
        ["Adventure", "Historical"],
        "D'Artagnan joins Athos, Porthos and Aramis in the service of the king.",
    ),
    (
        "Twenty Thousand Leagues Under the Seas",
        "verne",
        1870,
        "French",
        ["Adventure", "Science fiction"],
        "Captain Nemo's submarine Nautilus carries three captives around the world's oceans.",
    ),
    (
        "Around the World in Eighty Days",
        "verne",
        1872,
        "French",
        ["Adventure"],
        "Phileas Fogg wagers his fortune that he can circle the globe in eighty days.",
    ),
    (
        "Journey to the Center of the Earth",
        "verne",
        1864,
        "French",
        ["Adventure", "Science fiction"],
        "A professor, his nephew and their guide descend into an Icelandic volcano.",
    ),
    (
        "Don Quixote",
        "cervantes",
        1605,
        "Spanish",
        ["Satire", "Adventure"],
        "A gentleman who has read too many romances of chivalry sets out as a knight errant.",
    ),
    (
        "Faust",
        "goethe",
        1808,
        "German",
        ["Drama", "Philosophical"],
        "A scholar makes a wager with Mephistopheles for a moment of perfect contentment.",
    ),
    (
        "The Sorrows of Young Werther",
        "goethe",
        1774,
        "German",
        ["Romance"],
        "Letters of a young artist in love with a woman engaged to another man.",
    ),
    (
        "A Study in Scarlet",
        "doyle",
        1887,
        "English",
        ["Detective"],
        "Dr Watson meets Sherlock Holmes, and a murder in Brixton leads back to Utah.",
    ),
    (
        "The Hound of the Baskervilles",
        "doyle",
        1902,
        "English",
        ["Detective", "Gothic"],
        "A spectral hound is said to haunt the Baskerville family on Dartmoor.",
    ),
    (
        "The Adventures of Sherlock Holmes",
        "doyle",
        1892,
        "English",
        ["Detective"],
        "Twelve cases of the consulting detective of Baker Street.",
    ),
    (
        "The Time Machine",
        "wells",
        1895,
        "English",
        ["Science fiction"],
        "A Victorian inventor travels to the year 802,701 and finds humanity divided.",
    ),
    (
        "The War of the Worlds",
        "wells",
        1898,
        "English",
        ["Science fiction"],
        "Martians land in Surrey and lay waste to southern England.",
    ),
    (
        "The Invisible Man",
        "wells",
        1897,
        "English",
        ["Science fiction", "Horror"],
        "A scientist makes himself invisible and cannot undo it.",
    ),
    (
        "Dracula",
        "stoker",
        1897,
        "English",
        ["Gothic", "Horror"],
        "Letters and diaries record Count Dracula's move from Transylvania to England.",
    ),
    (
        "Jane Eyre",
        "cbronte",
        1847,
        "English",
        ["Romance", "Gothic", "Coming of age"],
        "An orphaned governess falls in love with her employer, Mr Rochester.",
    ),
    (
        "Wuthering Heights",
        "ebronte",
        1847,
        "English",
        ["Romance", "Gothic"],
        "The consuming passion of Catherine Earnshaw and Heathcliff on the Yorkshire moors.",
    ),
    (
        "The Picture of Dorian Gray",
        "wilde",
        1890,
        "English",
        ["Gothic", "Philosophical"],
        "A young man stays beautiful while his portrait records every sin.",
    ),
    (
        "The Importance of Being Earnest",
        "wilde",
        1895,
        "English",
        ["Drama", "Satire"],
        "Two gentlemen invent alter egos to escape their obligations.",
    ),
    (
        "Alice's Adventures in Wonderland",
        "carroll",
        1865,
        "English",
        ["Fantasy", "Children's"],
        "Alice follows a White Rabbit down a hole into a world of nonsense.",
    ),
    (
        "Through the Looking-Glass",
        "carroll",
        1871,
        "English",
        ["Fantasy", "Children's"],
        "Alice steps through a mirror into a land laid out like a chessboard.",
    ),
    (
        "The Scarlet Letter",
        "hawthorne",
        1850,
        "English",
        ["Historical"],
        "In Puritan Boston, Hester Prynne must wear a scarlet A for adultery.",
    ),
    (
        "Little Women",
        "alcott",
        1868,
        "English",
        ["Coming of age"],
        "The four March sisters grow up in Massachusetts during the Civil War.",
    ),
    (
        "Tales of the Grotesque and Arabesque",
        "poe",
        1840,
        "English",
        ["Horror", "Gothic"],
        "Twenty-five tales, among them 'The Fall of the House of Usher'.",
    ),
    (
        "Madame Bovary",
        "flaubert",
        1857,
        "French",
        ["Romance"],
        "A doctor's wife in provincial Normandy seeks escape in romance and debt.",
    ),
    (
        "The Metamorphosis",
        "kafka",
        1915,
        "German",
        ["Philosophical"],
        "Gregor Samsa wakes one morning transformed into a monstrous insect.",
    ),
    (
        "The Trial",
        "kafka",
        1925,
        "German",
        ["Philosophical"],
        "Josef K. is arrested and prosecuted by an authority whose charge is never revealed.",
    ),
]

IMPRINTS = ["Library edition", "Paperback", "Illustrated edition", "Pocket edition"]


def _date(parts: tuple[int, int, int]) -> datetime.date:
    return datetime.date(*parts)


@transaction.atomic
def load() -> int:
    """Fill an empty catalogue; return how many books were added (0 if not empty)."""
    if Book.objects.exists():
        return 0
    rng = random.Random(1813)
    authors = {
        code: Author.objects.create(
            first_name=first, last_name=last, date_of_birth=_date(born), date_of_death=_date(died)
        )
        for code, (first, last, born, died) in AUTHORS.items()
    }
    genres: dict[str, Genre] = {}
    languages: dict[str, Language] = {}
    today = datetime.date.today()
    for title, author, year, language, genre_names, summary in BOOKS:
        if language not in languages:
            languages[language] = Language.objects.create(name=language)
        book = Book.objects.create(
            title=title,
            author=authors[author],
            summary=summary,
            published=year,
            language=languages[language],
        )
        for name in genre_names:
            if name not in genres:
                genres[name] = Genre.objects.create(name=name)
        book.genre.set([genres[name] for name in genre_names])
        for _ in range(rng.randint(1, 3)):
            status = rng.choice(list(BookInstance.Status))
            due = today + datetime.timedelta(days=rng.randint(1, 28))
            BookInstance.objects.create(
                book=book,
                imprint=rng.choice(IMPRINTS),
                status=status,
                due_back=due if status == BookInstance.Status.ON_LOAN else None,
            )
    return len(BOOKS)
