import factory
from django.contrib.auth.models import Group, User

from reliefline.access.models import ApiToken


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
            if extracted == "admin":
                self.is_staff = True
                self.save(update_fields=["is_staff"])


def token_for(user: User) -> str:
    """Return a fresh bearer token for the user."""
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=user, digest=ApiToken.hash(secret), label="test")
    return secret
